package dev.addp.workers.generation.jobs;

import dev.addp.avro.GenerationEvent;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.JobStates;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;

/**
 * Which jobs have ended, and how many attempts each had, for the request partitions this worker
 * owns: read from the compacted job-state topic ({@link Topics#generationJobs()}), whose partition
 * N holds the state of the jobs requested on request partition N (the worker writes it there, in the
 * same transaction as the job's events). A worker taking over partitions reads only those
 * partitions, and only the latest state of each job once the topic is compacted: not the whole,
 * ever-growing events topic.
 *
 * <p>It reads read_committed up to each partition's high watermark, which waits until every
 * transaction written before the read started is committed or aborted: a job finished by the
 * partition's previous owner is always seen.
 */
public final class JobHistory {
  /** What is known of one job. */
  public record Entry(boolean terminal, int attempts) { }

  private static final Entry UNKNOWN = new Entry(false, 0);

  private final KafkaClients clients;
  private final String topic;
  private final AvroSerdes serdes;
  private final Map<String, Entry> jobs = new HashMap<>();
  private final Map<Integer, Set<String>> jobsByPartition = new HashMap<>();

  public JobHistory(KafkaClients clients, AvroSerdes serdes) {
    this.clients = clients;
    this.topic = Topics.from(clients.config()).generationJobs();
    this.serdes = serdes;
  }

  public boolean isTerminal(String jobId) { return jobs.getOrDefault(jobId, UNKNOWN).terminal(); }

  public int attempts(String jobId) { return jobs.getOrDefault(jobId, UNKNOWN).attempts(); }

  /** Records what this worker itself just decided about a job requested on {@code partition}. */
  public void record(int partition, String jobId, boolean terminal, int attempt) {
    jobs.merge(jobId, new Entry(terminal, attempt), (a, b) -> new Entry(a.terminal() || b.terminal(), Math.max(a.attempts(), b.attempts())));
    jobsByPartition.computeIfAbsent(partition, p -> new HashSet<>()).add(jobId);
  }

  /** Forgets the jobs of request partitions this worker no longer owns (or whose uncommitted work it dropped). */
  public void forget(Collection<TopicPartition> requestPartitions) {
    for (TopicPartition tp : requestPartitions) {
      Set<String> ids = jobsByPartition.remove(tp.partition());
      if (ids != null) ids.forEach(jobs::remove);
    }
  }

  /** Reads the state of every job requested on these request partitions (what was known of them before is replaced). */
  public void load(Collection<TopicPartition> requestPartitions, Duration timeout) {
    if (requestPartitions.isEmpty()) return;
    forget(requestPartitions);
    try (KafkaConsumer<byte[], byte[]> consumer = clients.groupFreeReader("job-history-" + UUID.randomUUID());
         Admin admin = clients.admin()) {
      Set<Integer> existing = consumer.partitionsFor(topic).stream().map(PartitionInfo::partition).collect(Collectors.toSet());
      List<TopicPartition> parts = requestPartitions.stream().map(tp -> new TopicPartition(topic, tp.partition())).toList();
      for (TopicPartition p : parts) {
        if (!existing.contains(p.partition())) {
          throw new IllegalStateException("topic " + topic + " has " + existing.size() + " partitions, fewer than the requests topic: "
              + "create it with as many partitions as " + requestPartitions.iterator().next().topic());
        }
      }
      Map<TopicPartition, Long> highWatermarks = admin.listOffsets(parts.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
          .all().get().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      long deadline = System.nanoTime() + timeout.toNanos();
      while (parts.stream().anyMatch(p -> consumer.position(p) < highWatermarks.get(p))) {
        if (System.nanoTime() > deadline) throw new IllegalStateException("job history of " + parts + " not read within " + timeout);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          GenerationEvent e = serdes.generationEvent().deserialize(r.topic(), r.value());
          if (e != null) record(r.partition(), e.getJobId(), JobStates.isTerminal(e.getState()), e.getAttempt());
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
