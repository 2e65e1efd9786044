package dev.addp.workers.generation.jobs;

import dev.addp.avro.CancelCommand;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
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
 */
public final class CancelWatcher implements Cancels, Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CancelWatcher.class);

  private final KafkaConsumer<byte[], byte[]> consumer;
  private final String topic;
  private final AvroSerdes serdes;
  private final Map<String, CancelCommand> cancelled = new ConcurrentHashMap<>();
  private final Consumer<String> onCancel;
  private final Thread thread;
  private volatile boolean running = true;

  public CancelWatcher(KafkaClients clients, AvroSerdes serdes, Consumer<String> onCancel) {
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
  public boolean isCancelled(String jobId) { return cancelled.containsKey(jobId); }

  @Override
  public String reason(String jobId) {
    CancelCommand c = cancelled.get(jobId);
    return c == null ? null : c.getReason();
  }

  @Override
  public void run() {
    try {
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          try {
            CancelCommand c = serdes.cancelCommand().deserialize(r.topic(), r.value());
            if (c != null && cancelled.putIfAbsent(c.getJobId(), c) == null) onCancel.accept(c.getJobId());
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
