package dev.addp.workers.metrics;

import dev.addp.avro.ModelRef;
import dev.addp.platform.metrics.ModelMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A recognition worker's figures (task {@code classify}), on the process registry. Requests,
 * inferences, executions, batch sizes, failures and end-to-end times are counted when a batch
 * commits, so a batch re-read after an aborted transaction counts once (as the worker's own
 * {@code WorkerStats}); the inference, queue and decode times are recorded when the model runs
 * (they are the times of work done). Also {@code addp_consumer_paused_partitions{group}}
 * (back-pressure) and {@code addp_recognition_transactions_aborted_total}. A model with a refine
 * stage also counts its crop-graph runs, {@code addp_recognition_crop_executions_total}, the crops
 * they classified, {@code addp_recognition_crop_inferences_total}, and times them,
 * {@code addp_recognition_crop_inference_seconds}, when they run (the executions counter stays the
 * dense graph's: one per batch, the encoder passes).
 */
public final class RecognitionMetrics {
  private final ModelMetrics model;
  private final AtomicInteger paused = new AtomicInteger();
  private final Counter aborted;
  private final Counter cropExecutions;
  private final Counter cropInferences;
  private final Timer cropInference;

  public RecognitionMetrics(MeterRegistry registry, ModelRef lineage, String group) {
    this.model = new ModelMetrics(registry, lineage.getName(), lineage.getVersion(), "classify");
    Gauge.builder("addp.consumer.paused.partitions", paused, AtomicInteger::get).description("partitions paused by back-pressure")
        .tag("group", group).strongReference(true).register(registry);
    this.aborted = Counter.builder("addp.recognition.transactions.aborted").description("batch transactions aborted and re-read")
        .tags(model.tags()).register(registry);
    this.cropExecutions = Counter.builder("addp.recognition.crop.executions").description("runs of the refine stage's crop graph")
        .tags(model.tags()).register(registry);
    this.cropInferences = Counter.builder("addp.recognition.crop.inferences").description("box crops the crop graph classified")
        .tags(model.tags()).register(registry);
    this.cropInference = Timer.builder("addp.recognition.crop.inference").description("one run of the crop graph")
        .tags(model.tags()).register(registry);
  }

  /** Meters that record nothing (a worker started without a registry). */
  public static RecognitionMetrics none() {
    return new RecognitionMetrics(new CompositeMeterRegistry(), new ModelRef("none", "none", ""), "none");
  }

  /** One model run's wall time. */
  public void modelRun(long nanos) { model.modelRun(nanos); }

  /** One crop-graph run over {@code crops} crops. */
  public void cropRun(int crops) {
    cropExecutions.increment();
    cropInferences.increment(crops);
  }

  /** The crop stage's wall time for one batch. */
  public void cropRunTime(long nanos) { cropInference.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS); }

  /** A result's queue and decode times, as it reports them. */
  public void timed(double queueMs, double decodeMs) {
    model.queued(queueMs);
    model.decoded(decodeMs);
  }

  /** A committed result: end to end from the client's submission (0 = unknown) to now. */
  public void answered(long submittedAtMs) {
    if (submittedAtMs > 0) model.endToEnd(System.currentTimeMillis() - submittedAtMs);
  }

  /** A committed dead letter, by its typed reason. */
  public void failed(Object reason) { model.failure(String.valueOf(reason)); }

  /** A committed batch of {@code records} requests, {@code answered} of them by one model run. */
  public void committed(int records, int answered) {
    model.requests(records);
    if (answered > 0) model.executed(answered);
  }

  public void paused(int partitions) { paused.set(partitions); }

  public void abortedTransaction() { aborted.increment(); }
}
