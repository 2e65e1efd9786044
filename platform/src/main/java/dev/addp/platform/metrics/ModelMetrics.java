package dev.addp.platform.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Per model and task, the figures an inference server is judged by (Triton's names in brackets):
 * requests (request count), inferences (inference count: items the model answered), executions
 * (execution count: model runs, so inferences / executions is the mean dynamic batch), failures by
 * typed reason, and the queue, decode, inference and end-to-end times as histograms.
 *
 * <p>Prometheus names: {@code addp_model_requests_total}, {@code addp_model_inferences_total},
 * {@code addp_model_executions_total}, {@code addp_model_failures_total{reason}},
 * {@code addp_model_{queue,decode,inference,end_to_end}_seconds}, {@code addp_model_batch_size};
 * labels {@code model}, {@code version}, {@code task}.
 */
public final class ModelMetrics {
  private static final double[] BATCH_BUCKETS = {1, 2, 4, 8, 16, 32, 64, 128, 256};
  /** Histogram buckets from 1 ms to 2 min (a few readable ones rather than Micrometer's ~70 default buckets). */
  static final Duration[] TIME_BUCKETS = java.util.stream.LongStream.of(1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000,
      5_000, 10_000, 30_000, 60_000, 120_000).mapToObj(Duration::ofMillis).toArray(Duration[]::new);

  private final MeterRegistry registry;
  private final Tags tags;
  private final Counter requests;
  private final Counter inferences;
  private final Counter executions;
  private final Timer queue;
  private final Timer decode;
  private final Timer inference;
  private final Timer endToEnd;
  private final DistributionSummary batchSize;
  private final Map<String, Counter> failures = new ConcurrentHashMap<>();

  public ModelMetrics(MeterRegistry registry, String model, String version, String task) {
    this.registry = registry;
    this.tags = Tags.of("model", model, "version", version, "task", task);
    this.requests = counter("addp.model.requests", "requests taken by the worker, answered or dead-lettered");
    this.inferences = counter("addp.model.inferences", "items the model answered");
    this.executions = counter("addp.model.executions", "model runs (a batch is one run)");
    this.queue = timer("addp.model.queue", "from the request's arrival on its topic to the start of its model run");
    this.decode = timer("addp.model.decode", "decoding and preprocessing one input");
    this.inference = timer("addp.model.inference", "one model run");
    this.endToEnd = timer("addp.model.end.to.end", "from the request's submission to its result");
    this.batchSize = DistributionSummary.builder("addp.model.batch.size").description("items in one model run")
        .tags(tags).serviceLevelObjectives(BATCH_BUCKETS).register(registry);
  }

  public Tags tags() { return tags; }

  public void request() { requests.increment(); }

  public void requests(int n) { requests.increment(n); }

  /** One model run over {@code items} items that took {@code nanos}. */
  public void execution(int items, long nanos) {
    executed(items);
    modelRun(nanos);
  }

  /** One model run over {@code items} items counted (executions, inferences, batch size). */
  public void executed(int items) {
    executions.increment();
    inferences.increment(items);
    batchSize.record(items);
  }

  /** How long one model run took. */
  public void modelRun(long nanos) { inference.record(nanos, TimeUnit.NANOSECONDS); }

  public void failure(String reason) {
    failures.computeIfAbsent(reason, r -> Counter.builder("addp.model.failures").description("requests that failed, by typed reason")
        .tags(tags).tag("reason", r).register(registry)).increment();
  }

  public void queued(double ms) { record(queue, ms); }

  public void decoded(double ms) { record(decode, ms); }

  public void endToEnd(double ms) { record(endToEnd, ms); }

  private static void record(Timer t, double ms) {
    if (ms >= 0) t.record((long) (ms * 1e6), TimeUnit.NANOSECONDS);
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }

  private Timer timer(String name, String description) {
    return Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(TIME_BUCKETS).register(registry);
  }
}
