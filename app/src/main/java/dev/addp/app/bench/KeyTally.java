package dev.addp.app.bench;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.CommittedEnd;
import dev.addp.platform.kafka.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Counts the committed records of a topic per identity (read_committed, from the beginning, as a
 * downstream consumer sees them): how many distinct identities arrived and how many arrived twice.
 */
public final class KeyTally implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Function<ConsumerRecord<byte[], byte[]>, String> identity;
  private final Map<String, Integer> counts = new HashMap<>();
  private long records;
  private long firstAtNanos;
  private long lastAtNanos;

  /** @param identity what makes a record unique (the key, or e.g. job id + image index); null: a record not counted */
  public KeyTally(AddpConfig config, String topic, Function<ConsumerRecord<byte[], byte[]>, String> identity) {
    this.consumer = new KafkaClients(config).readCommittedConsumer("tally-" + UUID.randomUUID());
    this.identity = identity;
    List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
  }

  public static String key(ConsumerRecord<byte[], byte[]> r) { return new String(r.key(), StandardCharsets.UTF_8); }

  /** Reads until {@code distinct} identities have arrived or the time is up; returns whether they did. */
  public boolean readUntilDistinct(int distinct, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (counts.size() < distinct && System.nanoTime() < deadline) pollOnce();
    return counts.size() >= distinct;
  }

  /** Reads up to the topic's current end (its last stable offset under read_committed): everything committed by now. */
  public boolean readToEnd(Duration timeout) { return CommittedEnd.readToEnd(consumer, this::count, timeout); }

  private void pollOnce() { consumer.poll(Duration.ofMillis(200)).forEach(this::count); }

  private void count(ConsumerRecord<byte[], byte[]> r) {
    String id = identity.apply(r);
    if (id == null) return;
    long now = System.nanoTime();
    if (records++ == 0) firstAtNanos = now;
    lastAtNanos = now;
    counts.merge(id, 1, Integer::sum);
  }

  public int distinct() { return counts.size(); }

  public long records() { return records; }

  /** Identities that arrived more than once, counted once each. */
  public long duplicated() { return counts.values().stream().filter(n -> n > 1).count(); }

  /** Records beyond the first of their identity. */
  public long extraRecords() { return records - counts.size(); }

  public boolean contains(String id) { return counts.containsKey(id); }

  /** Seconds between the first and the last record read. */
  public double spanSeconds() { return (lastAtNanos - firstAtNanos) / 1e9; }

  @Override
  public void close() { consumer.close(); }
}
