package dev.addp.workers.metrics;

import dev.addp.avro.ModelRef;
import dev.addp.platform.metrics.ModelMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A generation worker's figures (task {@code generate}). The model figures count jobs as requests,
 * image-steps as inferences and steps as executions (so inferences / executions is the mean step
 * batch); queue time is from submission to a job's first step, end to end from submission to its
 * SUCCEEDED event. Beside them: {@code addp_generation_jobs_total{state}} (terminal states and
 * QUEUED), {@code addp_generation_jobs_active{state}} (queued / running now),
 * {@code addp_generation_step_seconds} (a whole step: model, sampling, events),
 * {@code addp_generation_images_total} and {@code addp_generation_images_per_second} (the last 30 s),
 * {@code addp_generation_scheduler_occupancy_ratio} (images in the last step batch / capacity),
 * {@code addp_consumer_paused_partitions{group}}.
 */
public final class GenerationMetrics {
  private static final long RATE_WINDOW_MS = 30_000;

  private final MeterRegistry registry;
  private final ModelMetrics model;
  private final Map<String, Counter> jobs = new ConcurrentHashMap<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger paused = new AtomicInteger();
  private final Timer step;
  private final Counter images;
  private final DistributionSummary occupancyHistogram;
  private final int capacity;
  private volatile double occupancy;
  /** (time, images) of recent finished jobs, for the images-per-second gauge. */
  private final ArrayDeque<long[]> recent = new ArrayDeque<>();

  public GenerationMetrics(MeterRegistry registry, ModelRef lineage, int capacity, String group) {
    this.registry = registry;
    this.capacity = capacity;
    this.model = new ModelMetrics(registry, lineage.getName(), lineage.getVersion(), "generate");
    this.step = Timer.builder("addp.generation.step").description("one loop step of the step batch, model and bookkeeping")
        .tags(model.tags()).serviceLevelObjectives(stepBuckets()).register(registry);
    this.images = Counter.builder("addp.generation.images").description("images of succeeded jobs").tags(model.tags()).register(registry);
    Gauge.builder("addp.generation.images.per.second", this, GenerationMetrics::imagesPerSecond)
        .description("images of jobs that succeeded in the last 30 s, per second").tags(model.tags()).strongReference(true).register(registry);
    Gauge.builder("addp.generation.scheduler.occupancy", this, m -> m.occupancy).baseUnit("ratio")
        .description("images in the last step batch / batch capacity").tags(model.tags()).strongReference(true).register(registry);
    this.occupancyHistogram = DistributionSummary.builder("addp.generation.step.occupancy").description("occupancy of each step batch")
        .tags(model.tags()).serviceLevelObjectives(0.125, 0.25, 0.5, 0.75, 1.0).register(registry);
    Gauge.builder("addp.generation.jobs.active", queued, AtomicInteger::get).tags(model.tags()).tag("state", "QUEUED")
        .description("jobs in the scheduler now").strongReference(true).register(registry);
    Gauge.builder("addp.generation.jobs.active", running, AtomicInteger::get).tags(model.tags()).tag("state", "RUNNING")
        .description("jobs in the scheduler now").strongReference(true).register(registry);
    Gauge.builder("addp.generation.batch.capacity", () -> capacity).tags(model.tags()).description("images per step batch at most")
        .strongReference(true).register(registry);
    Gauge.builder("addp.consumer.paused.partitions", paused, AtomicInteger::get).description("partitions paused (registry back-off)")
        .tag("group", group).strongReference(true).register(registry);
  }

  /** Partitions paused now (while the schema registry does not answer). */
  public void paused(int partitions) { paused.set(partitions); }

  public static GenerationMetrics none(ModelRef lineage, int capacity) {
    return new GenerationMetrics(new SimpleMeterRegistry(), lineage, capacity, "-");
  }

  /** A job accepted into the scheduler. */
  public void jobQueued() {
    model.request();
    state("QUEUED");
  }

  /** A job's first step: how long it waited since its submission (client clock, 0 = unknown). */
  public void jobStarted(long submittedAtMs) {
    if (submittedAtMs > 0) model.queued(System.currentTimeMillis() - submittedAtMs);
  }

  /** A job ended: SUCCEEDED, FAILED (with its typed reason) or CANCELLED. */
  public void jobEnded(Object state, Object errorType, int imageCount, long submittedAtMs) {
    String s = String.valueOf(state);
    state(s);
    if (s.equals("SUCCEEDED")) {
      images.increment(imageCount);
      if (submittedAtMs > 0) model.endToEnd(System.currentTimeMillis() - submittedAtMs);
      synchronized (recent) {
        recent.addLast(new long[] {System.currentTimeMillis(), imageCount});
      }
    } else if (s.equals("FAILED")) {
      model.failure(String.valueOf(errorType));
    }
  }

  /** A request that is not a valid job: it ends FAILED at once with its typed reason. */
  public void invalid(Object reason) {
    model.request();
    state("FAILED");
    model.failure(String.valueOf(reason));
  }

  /** Jobs in the scheduler now: waiting for their first image to be admitted, or stepping. */
  public void active(java.util.Collection<dev.addp.workers.generation.jobs.Job> jobs) {
    int waiting = 0;
    for (var j : jobs) if (j.admitted() == 0) waiting++;
    active(waiting, jobs.size() - waiting);
  }

  /** A request that never became a job (unreadable: dead-lettered). */
  public void rejected(Object reason) {
    model.request();
    model.failure(String.valueOf(reason));
  }

  /** One step over {@code batch} images: model time and the whole step's time. */
  public void step(int batch, long modelNanos, long stepNanos) {
    model.execution(batch, modelNanos);
    step.record(stepNanos, TimeUnit.NANOSECONDS);
    occupancy = capacity == 0 ? 0 : (double) batch / capacity;
    occupancyHistogram.record(occupancy);
  }

  /** Jobs in the scheduler now, waiting for their first step and stepping. */
  public void active(int queuedJobs, int runningJobs) {
    queued.set(queuedJobs);
    running.set(runningJobs);
    if (queuedJobs + runningJobs == 0) occupancy = 0;
  }

  private void state(String s) {
    jobs.computeIfAbsent(s, k -> Counter.builder("addp.generation.jobs").description("jobs by state reached").tags(model.tags())
        .tag("state", k).register(registry)).increment();
  }

  private double imagesPerSecond() {
    long now = System.currentTimeMillis();
    synchronized (recent) {
      while (!recent.isEmpty() && recent.peekFirst()[0] < now - RATE_WINDOW_MS) recent.removeFirst();
      return recent.stream().mapToLong(r -> r[1]).sum() / (RATE_WINDOW_MS / 1000.0);
    }
  }

  private static java.time.Duration[] stepBuckets() {
    return java.util.stream.LongStream.of(5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000).mapToObj(java.time.Duration::ofMillis)
        .toArray(java.time.Duration[]::new);
  }
}
