package dev.addp.workers.generation.jobs;

import dev.addp.platform.config.Settings;
import dev.addp.avro.CancelCommand;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.Identifiers;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the compacted control topic (every partition, from the start, no consumer group) and
 * keeps the set of cancelled job ids; tells a listener about each new cancel as it arrives, so a
 * model run in flight can be terminated.
 *
 * <p>Memory is bounded whatever the topic holds: only cancels of valid job ids count, at most
 * {@code generation.cancels.max} are kept (the oldest go first), and a cancel counts for
 * {@code generation.cancels.ttl.ms} after it was written. A job is cancelled while it is queued or
 * running, so a cancel only has to outlive the time a request waits; an id cancelled long ago, or
 * one of a flood of random ids, does not stop a job submitted later. A tombstone (written when the
 * job ends) drops the job's cancel at once.
 */
public final class CancelWatcher implements Cancels, Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CancelWatcher.class);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final AvroSerdes serdes;
  static final int DEFAULT_MAX_CANCELS = 10_000;
  static final long DEFAULT_TTL_MS = 3_600_000;

  private final int maxCancels;
  private final long ttlMs;
  private final java.util.function.LongSupplier clock;
  /** Job id → the cancel and when it was written (record time), oldest first. */
  private final Map<String, Kept> cancelled = new java.util.LinkedHashMap<>();

  private record Kept(CancelCommand command, long writtenAtMs) { }
  private final Consumer<String> onCancel;
  private final Thread thread;
  private volatile boolean running = true;

  public CancelWatcher(KafkaClients clients, AvroSerdes serdes, Consumer<String> onCancel) {
    this(clients, serdes, onCancel, clients.config().getInt(Settings.GENERATION_CANCELS_MAX, DEFAULT_MAX_CANCELS),
        clients.config().getLong(Settings.GENERATION_CANCELS_TTL_MS, DEFAULT_TTL_MS), System::currentTimeMillis);
  }

  CancelWatcher(KafkaClients clients, AvroSerdes serdes, Consumer<String> onCancel, int maxCancels, long ttlMs,
                java.util.function.LongSupplier clock) {
    this.maxCancels = maxCancels;
    this.ttlMs = ttlMs;
    this.clock = clock;
    this.consumer = clients.groupFreeReader("cancel-watcher-" + UUID.randomUUID());
    this.topic = Topics.from(clients.config()).generationControl();
    this.serdes = serdes;
    this.onCancel = onCancel;
    this.thread = new Thread(this, "cancel-watcher");
    thread.setDaemon(true);
  }

  public CancelWatcher start() {
    List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(parts);
    consumer.seekToBeginning(parts);
    thread.start();
    return this;
  }

  @Override
  public synchronized boolean isCancelled(String jobId) { return live(jobId) != null; }

  @Override
  public synchronized String reason(String jobId) {
    Kept k = live(jobId);
    return k == null ? null : k.command().getReason();
  }

  /** Cancels kept now (bounded by {@code generation.cancels.max}). */
  synchronized int size() { return cancelled.size(); }

  private Kept live(String jobId) {
    Kept k = cancelled.get(jobId);
    if (k != null && clock.getAsLong() - k.writtenAtMs() > ttlMs) {
      cancelled.remove(jobId);
      return null;
    }
    return k;
  }

  /** Keeps a cancel read from the topic; true when it is new (the listener is told). */
  synchronized boolean keep(CancelCommand c, long writtenAtMs) {
    if (c == null || !Identifiers.isName(c.getJobId())) return false;
    if (clock.getAsLong() - writtenAtMs > ttlMs) return false;
    boolean isNew = live(c.getJobId()) == null;
    if (isNew) {
      cancelled.put(c.getJobId(), new Kept(c, writtenAtMs));
      java.util.Iterator<String> oldest = cancelled.keySet().iterator();
      while (cancelled.size() > maxCancels) {
        oldest.next();
        oldest.remove();
      }
    }
    return isNew;
  }

  /** A tombstone (the job has ended): its cancel is dropped. */
  synchronized void forget(byte[] key) {
    if (key != null) cancelled.remove(new String(key, java.nio.charset.StandardCharsets.UTF_8));
  }

  @Override
  public void run() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          if (r.value() == null) {
            forget(r.key());
            continue;
          }
          try {
            CancelCommand c = serdes.cancelCommand().deserialize(r.topic(), r.value());
            if (keep(c, r.timestamp())) onCancel.accept(c.getJobId());
          } catch (RuntimeException e) {
            log.warn("ignoring unreadable cancel command at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(), e.toString());
          }
        }
      }
    } catch (WakeupException e) {
      // closing
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(5000);
  }
}
