package dev.addp.workers.generation.jobs;

import dev.addp.avro.GenerationEvent;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.JobStates;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What the events topic says about jobs: which have ended, and how many attempts each had. Read
 * after every partition assignment, so a worker that takes over a request partition neither reruns
 * a finished job nor forgets that a job is on its next attempt.
 *
 * <p>It reads read_committed up to each partition's high watermark, which waits until every
 * transaction written before the read started is committed or aborted: a job finished by the
 * partition's previous owner is always seen.
 */
public final class JobHistory {
  /** What is known of one job. */
  public record Entry(boolean terminal, int attempts) { }

  private final KafkaClients clients;
  private final String topic;
  private final AvroSerdes serdes;
  private final Map<String, Entry> jobs = new HashMap<>();

  public JobHistory(KafkaClients clients, AvroSerdes serdes) {
    this.clients = clients;
    this.topic = Topics.from(clients.config()).generationEvents();
    this.serdes = serdes;
  }

  public boolean isTerminal(String jobId) { return jobs.getOrDefault(jobId, new Entry(false, 0)).terminal(); }

  public int attempts(String jobId) { return jobs.getOrDefault(jobId, new Entry(false, 0)).attempts(); }

  /** Records what this worker itself just decided (its events are not read back). */
  public void record(String jobId, boolean terminal, int attempt) {
    jobs.merge(jobId, new Entry(terminal, attempt), (a, b) -> new Entry(a.terminal() || b.terminal(), Math.max(a.attempts(), b.attempts())));
  }

  /**
   * Re-reads the events topic from the start; what was known before is dropped, since a worker
   * whose partitions were lost also lost the uncommitted events its own records described.
   */
  public void refresh(Duration timeout) {
    jobs.clear();
    try (KafkaConsumer<byte[], byte[]> consumer = clients.groupFreeReader("job-history-" + UUID.randomUUID());
         Admin admin = clients.admin()) {
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      Map<TopicPartition, Long> highWatermarks = admin.listOffsets(parts.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
          .all().get().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (parts.stream().anyMatch(p -> consumer.position(p) < highWatermarks.get(p))) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("job history not read within " + timeout);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          GenerationEvent e = serdes.generationEvent().deserialize(r.topic(), r.value());
          if (e != null) record(e.getJobId(), JobStates.isTerminal(e.getState()), e.getAttempt());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading job history", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read job history: " + e.getCause(), e.getCause());
    }
  }
}
