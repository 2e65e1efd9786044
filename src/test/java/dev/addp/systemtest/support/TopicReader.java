package dev.addp.systemtest.support;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.CommittedEnd;
import dev.addp.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/** Reads a topic from the beginning, read_committed, as a downstream consumer would. */
public final class TopicReader implements AutoCloseable {
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final List<ConsumerRecord<byte[], byte[]>> seen = new ArrayList<>();

  public TopicReader(AddpConfig config, String topic) {
    consumer = new KafkaClients(config).readCommittedConsumer("reader-" + UUID.randomUUID());
    consumer.subscribe(List.of(topic));
  }

  /** Polls until {@code done} holds for everything read so far, or the timeout passes; returns all records read. */
  public List<ConsumerRecord<byte[], byte[]>> readUntil(Predicate<List<ConsumerRecord<byte[], byte[]>>> done, Duration timeout) {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (!done.test(seen) && System.currentTimeMillis() < deadline) {
      consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
    }
    return List.copyOf(seen);
  }

  /**
   * Reads up to the topic's current committed end and returns everything read: late duplicates
   * committed by now are in it. Fails if the end is not reached in time (a transaction left open).
   */
  public List<ConsumerRecord<byte[], byte[]>> readToEnd(Duration timeout) {
    if (!CommittedEnd.readToEnd(consumer, seen::add, timeout)) {
      throw new AssertionError("the committed end of " + consumer.subscription() + " was not reached within " + timeout);
    }
    return List.copyOf(seen);
  }

  @Override
  public void close() { consumer.close(); }
}
