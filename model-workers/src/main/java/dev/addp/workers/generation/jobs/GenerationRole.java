package dev.addp.workers.generation.jobs;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.JobState;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.DeadLetters;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.kafka.TransactionalOutput;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.wire.WireFormatException;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.ImageTrack;
import dev.addp.workers.metrics.GenerationMetrics;
import dev.addp.workers.lifecycle.FaultCounts;
import dev.addp.workers.lifecycle.FaultSettings;
import dev.addp.workers.lifecycle.Rewind;
import dev.addp.workers.lifecycle.WorkerRole;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The generation worker's role in its {@link dev.addp.workers.lifecycle.WorkerLifecycle}: requests →
 * (continuous batching across jobs, one loop step at a time) → progress events and, when a job is
 * done, all its images plus its SUCCEEDED event. See {@link GenerationWorker} for the guarantees.
 */
final class GenerationRole implements WorkerRole {
  private static final Logger log = LoggerFactory.getLogger(GenerationWorker.class);
  private static final Duration HISTORY_TIMEOUT = Duration.ofSeconds(60);

  private final KafkaClients clients;
  private final Topics topics;
  private final AvroSerdes serdes;
  private final GenerationLoop loop;
  private final JobSpec.EditResolver edits;
  private final JobScheduler scheduler;
  private final JobHistory history;
  private final DeadLetters deadLetters;
  private final FaultSettings faults;
  private final FaultCounts faultCounts;
  private final String workerId;
  private final long commitIntervalMs;
  private final OrtSession.RunOptions runOptions;
  private final JobRecords records;
  private final List<ProducerRecord<byte[], byte[]>> outbox = new ArrayList<>();
  private final Map<TopicPartition, TreeSet<Long>> openOffsets = new HashMap<>();
  private final Map<TopicPartition, Long> nextOffsets = new HashMap<>();
  private volatile Set<String> inFlight = Set.of();
  private final AtomicBoolean terminateRequested = new AtomicBoolean();
  private CancelWatcher cancels;
  private Consumer<byte[], byte[]> consumer;
  private TransactionalOutput output;
  private boolean mustCommit;
  private boolean offsetsDirty;
  private long lastCommitNanos = System.nanoTime();
  private long pausedUntilNanos;
  private long steps;
  private long stepImages;
  private long modelNanos;
  private long commitNanos;
  private long loopNanos;
  private long stepModelNanos;
  private final GenerationMetrics metrics;

  GenerationRole(KafkaClients clients, AvroSerdes serdes, GenerationLoop loop, JobSpec.EditResolver edits, String workerId, long agingMs,
                 long commitIntervalMs, FaultSettings faults, FaultCounts faultCounts) throws OrtException {
    this.edits = edits;
    this.faultCounts = faultCounts;
    this.clients = clients;
    this.topics = Topics.from(clients.config());
    this.serdes = serdes;
    this.loop = loop;
    this.scheduler = new JobScheduler(loop.maxBatch(), agingMs);
    this.history = new JobHistory(clients, serdes);
    this.faults = faults;
    this.deadLetters = faults.deadLetters("generation", workerId);
    this.workerId = workerId;
    this.commitIntervalMs = commitIntervalMs;
    this.runOptions = new OrtSession.RunOptions();
    this.records = new JobRecords(topics, serdes, loop.model().lineage(), loop.model().imageShape(), workerId);
    this.metrics = clients.metrics() == null ? GenerationMetrics.none(loop.model().lineage(), loop.maxBatch())
        : new GenerationMetrics(clients.metrics().registry(), loop.model().lineage(), loop.maxBatch(), topics.prefix() + "generation-workers");
  }

  @Override
  public void open(Consumer<byte[], byte[]> consumer, TransactionalOutput output) {
    this.consumer = consumer;
    this.output = output;
    cancels = new CancelWatcher(clients, serdes, this::onCancel).start();
    log.info("generation worker {} running {} {} on {}, batch {}", workerId, loop.model().lineage().getName(),
        loop.model().lineage().getVersion(), loop.model().provider(), loop.maxBatch());
  }

  @Override
  public long pollTimeoutMs() { return scheduler.isEmpty() ? 100 : 0; }

  @Override
  public void handle(ConsumerRecords<byte[], byte[]> polled) {
    resumeAfterRegistryBackoff();
    Set<TopicPartition> retry = new HashSet<>();
    for (ConsumerRecord<byte[], byte[]> r : polled) {
      TopicPartition tp = new TopicPartition(r.topic(), r.partition());
      if (!retry.contains(tp) && !accept(r)) {
        consumer.seek(tp, r.offset()); // read it again once the registry answers; later records wait behind it
        retry.add(tp);
      }
    }
    if (!retry.isEmpty()) {
      faultCounts.registryPauses.incrementAndGet();
      consumer.pause(retry);
      metrics.paused(consumer.paused().size());
      pausedUntilNanos = System.nanoTime() + faults.registryBackoff().toNanos();
    }
    long t0 = System.nanoTime();
    endCancelledAndExpired();
    List<ImageTrack> batch = scheduler.nextBatch(loop);
    if (!batch.isEmpty()) {
      long s0 = System.nanoTime();
      try {
        step(batch);
      } catch (OrtException e) {
        throw new IllegalStateException("the generation model failed: " + e.getMessage(), e);
      }
      metrics.step(batch.size(), stepModelNanos, System.nanoTime() - s0);
      steps++;
      stepImages += batch.size();
    }
    long t1 = System.nanoTime();
    maybeCommit();
    commitNanos += System.nanoTime() - t1;
    if (!batch.isEmpty()) loopNanos += System.nanoTime() - t0;
    metrics.active(scheduler.jobs());
  }

  /**
   * Everything since the last commit is forgotten: jobs not ended in a committed transaction run
   * again when their requests are read again (same seeds, same images); the history is re-read.
   */
  @Override
  public void rewindToLastCommit() {
    outbox.clear();
    for (Job job : scheduler.jobs()) scheduler.remove(job.id());
    openOffsets.clear();
    nextOffsets.clear();
    mustCommit = false;
    offsetsDirty = false;
    consumer.resume(consumer.paused());
    pausedUntilNanos = 0;
    history.forget(consumer.assignment());
    history.load(consumer.assignment(), HISTORY_TIMEOUT);
    Rewind.toLastCommit(consumer);
  }

  @Override
  public void drain() {
    log.info("generation worker {}: {} steps, mean batch {}, model {} ms, commits {} ms, busy loop {} ms", workerId, steps,
        steps == 0 ? 0 : stepImages / steps, modelNanos / 1_000_000, commitNanos / 1_000_000, loopNanos / 1_000_000);
    commit();
  }

  @Override
  public void release() {
    try {
      if (cancels != null) cancels.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runOptions.close();
  }

  private void resumeAfterRegistryBackoff() {
    if (pausedUntilNanos != 0 && System.nanoTime() > pausedUntilNanos) {
      consumer.resume(consumer.paused());
      pausedUntilNanos = 0;
      metrics.paused(0);
    }
  }

  /** Takes one request; false when the schema registry cannot be reached (the record is retried later). */
  private boolean accept(ConsumerRecord<byte[], byte[]> r) {
    TopicPartition tp = new TopicPartition(r.topic(), r.partition());
    GenerationRequest request;
    try {
      request = serdes.generationRequest().deserialize(r.topic(), r.value());
      if (request == null) throw new WireFormatException(ErrorType.NOT_WIRE_FORMAT, "null value (tombstone)", null);
    } catch (RegistryUnavailableException e) {
      log.warn("schema registry unavailable, retrying {}@{} in {} ms: {}", tp, r.offset(), faults.registryBackoff().toMillis(), e.getMessage());
      return false;
    } catch (WireFormatException e) {
      nextOffsets.put(tp, r.offset() + 1);
      offsetsDirty = true;
      outbox.add(new ProducerRecord<>(topics.deadLetters(), r.key(), serdes.deadLetter().serialize(topics.deadLetters(),
          deadLetters.of(e.type(), e, r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value(), null))));
      metrics.rejected(e.type());
      mustCommit = true;
      return true;
    }
    nextOffsets.put(tp, r.offset() + 1);
    offsetsDirty = true;
    String jobId = request.getJobId();
    if (history.isTerminal(jobId) || scheduler.get(jobId) != null) {
      log.info("job {} already ended or running; skipping its request at {}@{}", jobId, tp, r.offset());
      return true;
    }
    int attempt = history.attempts(jobId) + 1;
    JobSpec spec;
    try {
      spec = JobSpec.of(request, loop.model().manifest(), edits);
    } catch (InvalidJobException e) {
      emitState(records.event(jobId, JobState.FAILED, attempt, 0, 0, request.getCount()).setErrorType(e.type()).setReason(e.getMessage())
          .build(), tp.partition());
      history.record(tp.partition(), jobId, true, attempt);
      metrics.invalid(e.type());
      mustCommit = true;
      return true;
    }
    Job job = new Job(spec, tp, r.offset(), attempt);
    openOffsets.computeIfAbsent(tp, k -> new TreeSet<>()).add(r.offset());
    scheduler.add(job);
    metrics.jobQueued();
    history.record(tp.partition(), jobId, false, attempt);
    emitState(records.event(job, JobState.QUEUED).setReason(attempt > 1 ? "restarted after a worker failure (attempt " + attempt + ")" : null)
        .build(), tp.partition());
    return true;
  }

  /** Cancels and deadlines are checked between steps, so a cancelled job stops within one step. */
  private void endCancelledAndExpired() {
    long now = System.currentTimeMillis();
    for (Job job : scheduler.jobs()) {
      if (cancels.isCancelled(job.id())) {
        String why = cancels.command(job.id()).getReason();
        end(job, records.event(job, JobState.CANCELLED).setReason(why == null ? "cancelled" : why).build());
      } else if (job.expired(now)) {
        end(job, records.event(job, JobState.FAILED).setErrorType(ErrorType.DEADLINE_EXCEEDED)
            .setReason("deadline " + job.spec().deadlineMs() + " passed at step " + job.progressStep() + " of " + job.spec().settings().steps())
            .build());
      }
    }
  }

  private void step(List<ImageTrack> batch) throws OrtException {
    Set<String> ids = new HashSet<>();
    List<Job> stepping = new ArrayList<>();
    for (Job job : scheduler.jobs()) {
      boolean any = false;
      for (ImageTrack t : job.tracks()) {
        if (!t.done()) {
          any = true;
        }
      }
      if (any) {
        ids.add(job.id());
        stepping.add(job);
        if (job.progressStep() == 0 && job.tracks().stream().allMatch(ImageTrack::fresh)) {
          emit(records.event(job, JobState.RUNNING).build());
          metrics.jobStarted(job.spec().submittedAtMs());
        }
      }
    }
    GenerationLoop.Plan plan = loop.plan(batch);
    inFlight = ids;
    try {
      while (true) {
        try {
          long m0 = System.nanoTime();
          loop.execute(plan, runOptions);
          stepModelNanos = System.nanoTime() - m0;
          modelNanos += stepModelNanos;
          break;
        } catch (OrtException e) {
          if (!terminateRequested.getAndSet(false)) throw e;
          runOptions.setTerminate(false);
          if (ids.stream().allMatch(cancels::isCancelled)) {
            log.info("model run terminated: every job in it was cancelled");
            return; // the jobs end at the next step boundary
          }
          // a terminate meant for an earlier run hit this one: run it again (same inputs, same samples)
        }
      }
    } finally {
      inFlight = Set.of();
    }
    loop.complete(plan);
    for (Job job : stepping) {
      if (job.finished()) {
        finish(job);
      } else {
        GenerationEvent.Builder progress = records.event(job, JobState.RUNNING);
        int interval = job.spec().previewInterval();
        if (interval > 0 && job.progressStep() % interval == 0) {
          progress.setPreviewPng(records.preview(job));
        }
        emit(progress.build());
      }
    }
  }

  private void finish(Job job) {
    outbox.addAll(records.results(job));
    end(job, records.event(job, JobState.SUCCEEDED).build());
  }

  /** Ends a job: its terminal event, its offset released, and a commit right after this step. */
  private void end(Job job, GenerationEvent terminal) {
    emitState(terminal, job.partition().partition());
    metrics.jobEnded(terminal.getState(), terminal.getErrorType(), job.spec().count(), job.spec().submittedAtMs());
    scheduler.remove(job.id());
    TreeSet<Long> open = openOffsets.get(job.partition());
    if (open != null) open.remove(job.offset());
    history.record(job.partition().partition(), job.id(), true, job.attempt());
    mustCommit = true;
  }

  /**
   * Ended jobs (results, terminal events) commit at once; progress and QUEUED events at most every
   * commit interval, because every transaction costs a few broker round trips that the loop waits for.
   */
  private void maybeCommit() {
    boolean due = (System.nanoTime() - lastCommitNanos) / 1_000_000 >= commitIntervalMs;
    if (mustCommit || (due && (!outbox.isEmpty() || offsetsDirty))) commit();
  }

  /** One transaction: every pending event and result, plus the request offsets that are now safe to commit. */
  private void commit() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : consumer.assignment()) {
      TreeSet<Long> open = openOffsets.get(tp);
      Long next = open != null && !open.isEmpty() ? open.first() : nextOffsets.get(tp);
      if (next != null) offsets.put(tp, new OffsetAndMetadata(next));
    }
    if (outbox.isEmpty() && offsets.isEmpty()) return;
    output.commit(outbox, offsets, consumer.groupMetadata()); // a failure: the lifecycle rewinds to the last commit and retries
    outbox.clear();
    mustCommit = false;
    offsetsDirty = false;
    lastCommitNanos = System.nanoTime();
  }

  private void onCancel(String jobId) {
    Set<String> running = inFlight;
    if (!running.isEmpty() && running.stream().allMatch(cancels::isCancelled)) {
      try {
        terminateRequested.set(true);
        runOptions.setTerminate(true); // stop the model run in flight: nobody wants its output
      } catch (OrtException e) {
        log.warn("could not terminate the model run: {}", e.toString());
      }
    }
  }

  private void emit(GenerationEvent e) { outbox.add(records.record(e)); }

  /** An event that changes what the job history knows (queued with an attempt, or ended): also to the job-state topic. */
  private void emitState(GenerationEvent e, int requestPartition) {
    emit(e);
    outbox.add(records.state(e, requestPartition));
  }

  // Before partitions leave: commit what this worker finished, then forget their jobs (the next
  // owner reruns the unfinished ones). After partitions arrive: read the job history.

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) return;
    log.info("generation worker {} hands over {}", workerId, partitions);
    commit();
    forget(partitions);
    history.forget(partitions);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    outbox.clear();
    forget(partitions);
    history.forget(partitions);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) return;
    commit(); // what this worker decided on the partitions it keeps is committed before it reads the new ones
    history.load(partitions, HISTORY_TIMEOUT); // only the partitions that arrived: what it knows of the others stays
  }

  private void forget(Collection<TopicPartition> partitions) {
    for (Job job : scheduler.jobs()) if (partitions.contains(job.partition())) scheduler.remove(job.id());
    partitions.forEach(openOffsets::remove);
    partitions.forEach(nextOffsets::remove);
  }
}
