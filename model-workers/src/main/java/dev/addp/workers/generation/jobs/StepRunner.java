package dev.addp.workers.generation.jobs;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.JobState;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.ImageTrack;
import dev.addp.workers.metrics.GenerationMetrics;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the jobs, one loop step at a time across all of them (continuous batching): at each step
 * boundary, cancelled and expired jobs end; the {@link JobScheduler} fills free places with waiting
 * images; one model run steps every unfinished image; then each stepped job reports progress (a
 * RUNNING event, with a preview every preview interval) or, when its last image is done, its
 * results and SUCCEEDED. A cancel that arrives while every job in the model run is cancelled
 * terminates that run, so a cancelled job stops within one step.
 */
final class StepRunner {
  private static final Logger log = LoggerFactory.getLogger(StepRunner.class);

  private final GenerationLoop loop;
  private final JobScheduler scheduler;
  private final JobIntake intake;
  private final Outbox outbox;
  private final JobRecords records;
  private final GenerationMetrics metrics;
  private final OrtSession.RunOptions runOptions;
  private final AtomicBoolean terminateRequested = new AtomicBoolean();
  private volatile Cancels cancels;
  private volatile Set<String> inFlight = Set.of();
  private long steps;
  private long stepImages;
  private long modelNanos;

  StepRunner(GenerationLoop loop, JobScheduler scheduler, JobIntake intake, Outbox outbox, JobRecords records,
             GenerationMetrics metrics) throws OrtException {
    this.loop = loop;
    this.scheduler = scheduler;
    this.intake = intake;
    this.outbox = outbox;
    this.records = records;
    this.metrics = metrics;
    this.runOptions = new OrtSession.RunOptions();
  }

  /** Where cancels come from (set once the worker's clients exist, before the first step). */
  void watch(Cancels cancels) { this.cancels = cancels; }

  /** One step boundary and one step; → how many images it stepped (0: none was due). */
  int runOnce() {
    endCancelledAndExpired();
    List<ImageTrack> batch = scheduler.nextBatch(loop);
    if (batch.isEmpty()) return 0;
    long s0 = System.nanoTime();
    long modelNanosOfStep;
    try {
      modelNanosOfStep = step(batch);
    } catch (OrtException e) {
      throw new IllegalStateException("the generation model failed: " + e.getMessage(), e);
    }
    metrics.step(batch.size(), modelNanosOfStep, System.nanoTime() - s0);
    steps++;
    stepImages += batch.size();
    return batch.size();
  }

  /** Called on the cancel watcher's thread for each new cancel: stops the model run in flight when nobody wants its output. */
  void onCancel(String jobId) {
    Set<String> running = inFlight;
    if (!running.isEmpty() && running.stream().allMatch(cancels::isCancelled)) {
      try {
        terminateRequested.set(true);
        runOptions.setTerminate(true);
      } catch (OrtException e) {
        log.warn("could not terminate the model run: {}", e.toString());
      }
    }
  }

  /** Steps run, mean batch, model time: for the worker's closing line. */
  String summary() {
    return steps + " steps, mean batch " + (steps == 0 ? 0 : stepImages / steps) + ", model " + modelNanos / 1_000_000 + " ms";
  }

  void close() { runOptions.close(); }

  /** Cancels and deadlines are checked between steps, so a cancelled job stops within one step. */
  private void endCancelledAndExpired() {
    long now = System.currentTimeMillis();
    for (Job job : scheduler.jobs()) {
      if (cancels.isCancelled(job.id())) {
        String why = cancels.reason(job.id());
        intake.end(job, records.event(job, JobState.CANCELLED).setReason(why == null ? "cancelled" : why).build());
      } else if (job.expired(now)) {
        intake.end(job, records.event(job, JobState.FAILED).setErrorType(ErrorType.DEADLINE_EXCEEDED)
            .setReason("deadline " + job.spec().deadlineMs() + " passed at step " + job.progressStep() + " of " + job.spec().settings().steps())
            .build());
      }
    }
  }

  /** → the model's time in this step (ns). */
  private long step(List<ImageTrack> batch) throws OrtException {
    Set<String> ids = new HashSet<>();
    List<Job> stepping = new ArrayList<>();
    for (Job job : scheduler.jobs()) {
      if (job.tracks().stream().anyMatch(t -> !t.done())) {
        ids.add(job.id());
        stepping.add(job);
        if (job.progressStep() == 0 && job.tracks().stream().allMatch(ImageTrack::fresh)) {
          outbox.event(records.event(job, JobState.RUNNING).build());
          metrics.jobStarted(job.spec().submittedAtMs());
        }
      }
    }
    GenerationLoop.Plan plan = loop.plan(batch);
    long stepModelNanos = 0;
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
            return stepModelNanos; // the jobs end at the next step boundary
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
        List<ProducerRecord<byte[], byte[]>> results = records.results(job);
        ProducerRecord<byte[], byte[]> tooLarge = results.stream().filter(r -> !records.topics().fits(r.key(), r.value())).findFirst()
            .orElse(null);
        if (tooLarge == null) {
          outbox.addAll(results);
          intake.end(job, records.event(job, JobState.SUCCEEDED).build());
        } else {
          // no broker would take it: the transaction would fail on every retry, so the job ends with the reason instead
          intake.end(job, records.event(job, JobState.FAILED).setErrorType(ErrorType.RESULT_TOO_LARGE).setReason("a result is "
              + tooLarge.value().length + " bytes, over the record limit of " + records.topics().maxRecordBytes()).build());
        }
      } else {
        GenerationEvent.Builder progress = records.event(job, JobState.RUNNING);
        int interval = job.spec().previewInterval();
        if (interval > 0 && job.progressStep() % interval == 0) progress.setPreviewPng(records.preview(job));
        outbox.event(progress.build());
      }
    }
    return stepModelNanos;
  }
}
