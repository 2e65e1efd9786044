package dev.addp.workers.generation.jobs;

import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.JobState;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.schemas.DeadLetters;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.wire.WireFormatException;
import dev.addp.workers.lifecycle.FaultCounts;
import dev.addp.workers.metrics.GenerationMetrics;
import dev.addp.workers.model.ModelManifest;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Job intake and history: which requests become jobs, and the record of every job's start and end.
 * A request is read once per attempt: an unreadable one becomes a dead letter, one the
 * {@link JobHistory} says already ended (or one already running) is skipped, an invalid one ends at
 * once as FAILED, and the rest are queued in the {@link JobScheduler} with a QUEUED event. A job's
 * end releases its request offset in the {@link OffsetLedger} and is recorded in the history, in the
 * same transaction as its terminal event. While the schema registry cannot be reached, the
 * partition waiting on it pauses and its record is read again after the back-off. While the worker
 * holds {@code maxJobs} jobs (queued or running), further requests wait in their partitions (paused,
 * read again once a job ends): back-pressure instead of an unbounded queue.
 */
final class JobIntake {
  private static final Logger log = LoggerFactory.getLogger(JobIntake.class);
  private static final Duration HISTORY_TIMEOUT = Duration.ofSeconds(60);

  /** Where intake writes and what it answers to: the worker's other parts. */
  record Parts(JobScheduler scheduler, JobHistory history, OffsetLedger ledger, Outbox outbox, JobRecords records,
               GenerationMetrics metrics) { }

  private final AvroSerdes serdes;
  private final Topics topics;
  private final DeadLetters deadLetters;
  private final ModelManifest manifest;
  private final JobSpec.EditResolver edits;
  private final Duration registryBackoff;
  private final FaultCounts faultCounts;
  private final JobScheduler scheduler;
  private final JobHistory history;
  private final OffsetLedger ledger;
  private final Outbox outbox;
  private final JobRecords records;
  private final GenerationMetrics metrics;
  private long pausedUntilNanos;
  private final int maxJobs;
  private final Set<TopicPartition> full = new HashSet<>();

  /** Jobs a worker holds at once by default (queued and running). */
  static final int DEFAULT_MAX_JOBS = 1024;

  JobIntake(AvroSerdes serdes, Topics topics, DeadLetters deadLetters, ModelManifest manifest, Duration registryBackoff,
            FaultCounts faultCounts, Parts parts, int maxJobs) {
    this(serdes, topics, deadLetters, manifest, JobSpec.EditResolver.unsupported("this worker has no edit sources"), registryBackoff,
        faultCounts, parts, maxJobs);
  }

  /** @param edits how an edit request's source and region become tokens (reads and tokenizes the image) */
  JobIntake(AvroSerdes serdes, Topics topics, DeadLetters deadLetters, ModelManifest manifest, JobSpec.EditResolver edits,
            Duration registryBackoff, FaultCounts faultCounts, Parts parts, int maxJobs) {
    this.edits = edits;
    this.maxJobs = maxJobs;
    this.serdes = serdes;
    this.topics = topics;
    this.deadLetters = deadLetters;
    this.manifest = manifest;
    this.registryBackoff = registryBackoff;
    this.faultCounts = faultCounts;
    this.scheduler = parts.scheduler();
    this.history = parts.history();
    this.ledger = parts.ledger();
    this.outbox = parts.outbox();
    this.records = parts.records();
    this.metrics = parts.metrics();
  }

  /**
   * Takes the polled requests in order. A partition whose record waits on the registry is paused
   * and sought back to it (later records wait behind it), and resumed once the back-off has passed.
   */
  void take(ConsumerRecords<byte[], byte[]> polled, Consumer<byte[], byte[]> consumer) {
    resumeAfterRegistryBackoff(consumer);
    resumeWhenRoom(consumer);
    Set<TopicPartition> retry = new HashSet<>();
    Set<TopicPartition> waiting = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : polled) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (retry.contains(tp) || waiting.contains(tp)) continue;
      if (scheduler.size() >= maxJobs) {
        consumer.seek(tp, r.offset()); // read it again once a job has ended
        waiting.add(tp);
      } else if (!accept(r)) {
        consumer.seek(tp, r.offset()); // read it again once the registry answers; later records wait behind it
        retry.add(tp);
      }
    }
    if (!waiting.isEmpty()) {
      consumer.pause(waiting);
      full.addAll(waiting);
      metrics.paused(consumer.paused().size());
    }
    if (!retry.isEmpty()) {
      faultCounts.registryPauses.incrementAndGet();
      consumer.pause(retry);
      metrics.paused(consumer.paused().size());
      pausedUntilNanos = System.nanoTime() + registryBackoff.toNanos();
    }
  }

  /** Takes one request; false when the schema registry cannot be reached (the record is retried later). */
  boolean accept(ConsumerRecord<byte[], byte[]> r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    GenerationRequest request;
    try {
      request = serdes.generationRequest().deserialize(r.topic(), r.value());
      if (request == null) throw new WireFormatException(ErrorType.NOT_WIRE_FORMAT, "null value (tombstone)", null);
    } catch (RegistryUnavailableException e) {
      log.warn("schema registry unavailable, retrying {}@{} in {} ms: {}", tp, r.offset(), registryBackoff.toMillis(), e.getMessage());
      return false;
    } catch (WireFormatException e) {
      ledger.read(tp, r.offset());
      outbox.add(new ProducerRecord<>(topics.deadLetters(), r.key(), serdes.deadLetter().serialize(topics.deadLetters(),
          deadLetters.of(e.type(), e, r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), null))));
      metrics.rejected(e.type());
      outbox.commitSoon();
      return true;
    }
    ledger.read(tp, r.offset());
    String jobId = request.getJobId();
    if (history.isTerminal(jobId) || scheduler.get(jobId) != null) {
      log.info("job {} already ended or running; skipping its request at {}@{}", jobId, tp, r.offset());
      return true;
    }
    int attempt = history.attempts(jobId) + 1;
    JobSpec spec;
    try {
      spec = JobSpec.of(request, manifest, edits);
    } catch (InvalidJobException e) {
      outbox.stateEvent(records.event(jobId, JobState.FAILED, attempt, 0, 0, request.getCount()).setErrorType(e.type())
          .setReason(e.getMessage()).build(), tp.partition());
      history.record(tp.partition(), jobId, true, attempt);
      metrics.invalid(e.type());
      outbox.commitSoon();
      return true;
    }
    Job job = new Job(spec, tp, r.offset(), attempt);
    ledger.open(tp, r.offset());
    scheduler.add(job);
    metrics.jobQueued();
    history.record(tp.partition(), jobId, false, attempt);
    outbox.stateEvent(records.event(job, JobState.QUEUED)
        .setReason(attempt > 1 ? "restarted after a worker failure (attempt " + attempt + ")" : null).build(), tp.partition());
    return true;
  }

  /** Ends a job: its terminal event, its offset released, its end in the history, and a commit right after this step. */
  void end(Job job, GenerationEvent terminal) {
    outbox.stateEvent(terminal, job.partition().partition());
    metrics.jobEnded(terminal.getState(), terminal.getErrorType(), job.spec().count(), job.spec().submittedAtMs());
    scheduler.remove(job.id());
    ledger.close(job.partition(), job.offset());
    history.record(job.partition().partition(), job.id(), true, job.attempt());
    outbox.commitSoon();
  }

  /** Reads the history of partitions that arrived (what is known of the others stays). */
  void loadHistory(Collection<TopicPartition> partitions) { history.load(partitions, HISTORY_TIMEOUT); }

  /** Forgets the jobs of partitions that left, queued or running, and what the history knew of them. */
  void forget(Collection<TopicPartition> partitions) {
    for (Job job : scheduler.jobs()) if (partitions.contains(job.partition())) scheduler.remove(job.id());
    full.removeAll(partitions);
    ledger.forget(partitions);
    history.forget(partitions);
  }

  /**
   * Everything since the last commit is forgotten: jobs not ended in a committed transaction run
   * again when their requests are read again (same seeds, same images); the history is re-read.
   */
  void rewind(Consumer<byte[], byte[]> consumer) {
    for (Job job : scheduler.jobs()) scheduler.remove(job.id());
    ledger.clear();
    consumer.resume(consumer.paused());
    pausedUntilNanos = 0;
    full.clear();
    history.forget(consumer.assignment());
    history.load(consumer.assignment(), HISTORY_TIMEOUT);
  }

  private void resumeWhenRoom(Consumer<byte[], byte[]> consumer) {
    if (full.isEmpty() || scheduler.size() >= maxJobs) return;
    Set<TopicPartition> back = new HashSet<>(full);
    back.retainAll(consumer.assignment());
    consumer.resume(back);
    full.clear();
    metrics.paused(consumer.paused().size());
  }

  private void resumeAfterRegistryBackoff(Consumer<byte[], byte[]> consumer) {
    if (pausedUntilNanos != 0 && System.nanoTime() > pausedUntilNanos) {
      consumer.resume(consumer.paused());
      pausedUntilNanos = 0;
      metrics.paused(0);
    }
  }
}
