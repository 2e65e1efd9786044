package dev.addp.workers.metrics;

import dev.addp.avro.ModelRef;
import dev.addp.platform.metrics.ModelMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A recognition worker's figures (task {@code classify}): the model figures of {@link ModelMetrics},
 * counted when a batch commits, so a batch re-read after an aborted transaction counts once; plus
 * {@code addp_consumer_paused_partitions{group}} (back-pressure) and
 * {@code addp_recognition_transactions_aborted_total}.
 */
public final class RecognitionMetrics {
  private final ModelMetrics model;
  private final AtomicInteger paused = new AtomicInteger();
  private final Counter aborted;

  public RecognitionMetrics(MeterRegistry registry, ModelRef lineage, String group) {
    this.model = new ModelMetrics(registry, lineage.getName(), lineage.getVersion(), "classify");
    Gauge.builder("addp.consumer.paused.partitions", paused, AtomicInteger::get).description("partitions paused by back-pressure")
        .tag("group", group).strongReference(true).register(registry);
    this.aborted = Counter.builder("addp.recognition.transactions.aborted").description("batch transactions aborted and re-read")
        .tags(model.tags()).register(registry);
  }

  /** Meters that go nowhere (a worker built without a registry). */
  public static RecognitionMetrics none(ModelRef lineage) { return new RecognitionMetrics(new SimpleMeterRegistry(), lineage, "-"); }

  /** A committed batch: {@code records} requests, of which {@code inferred} went through one model run of {@code inferenceNanos}. */
  public void batchCommitted(int records, int inferred, long inferenceNanos) {
    model.requests(records);
    if (inferred > 0) model.execution(inferred, inferenceNanos);
  }

  /** A committed result's times: queue and decode as the result reports them, end to end from the client's submission. */
  public void result(double queueMs, double decodeMs, long submittedAtMs, long producedAtMs) {
    model.queued(queueMs);
    model.decoded(decodeMs);
    if (submittedAtMs > 0) model.endToEnd(producedAtMs - submittedAtMs);
  }

  /** A committed dead letter, by its typed reason. */
  public void failure(Object reason) { model.failure(String.valueOf(reason)); }

  public void paused(int partitions) { paused.set(partitions); }

  public void abortedTransaction() { aborted.increment(); }
}
