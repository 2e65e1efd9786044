package dev.addp.app.bench;

import dev.addp.app.embedded.BundledRegistry;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.JobState;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.generation.ImagePng;
import dev.addp.workers.generation.ImageTrack;
import dev.addp.workers.generation.LoopSettings;
import dev.addp.workers.generation.StreamSeeds;
import dev.addp.workers.generation.Uniforms;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Generation throughput: one job at a time and concurrent jobs through Kafka, against the raw step loop. */
@Command(name = "generation", mixinStandardHelpOptions = true,
    description = "Images/s of generation (a) one job at a time through Kafka, (b) N concurrent jobs through Kafka with continuous "
        + "batching, (c) the raw batched step loop without Kafka, same model, steps and batch capacity; writes <out>/bench.json.")
public final class GenerationBench implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "out/bench-generation")
  Path out;

  @Option(names = "--jobs", defaultValue = "16", description = "concurrent jobs (default: ${DEFAULT-VALUE})")
  int jobs;

  @Option(names = "--images-per-job", defaultValue = "4")
  int perJob;

  @Option(names = "--batch-size", description = "batch capacity in images (default: jobs × images per job)")
  Integer batch;

  @Option(names = "--model", defaultValue = RecognitionService.DEFAULT_MODEL_DIR)
  Path model;

  @Override
  public Integer call() throws Exception {
    int capacity = batch != null ? batch : jobs * perJob;
    int threads = Runtime.getRuntime().availableProcessors();
    double raw;
    int steps;
    try (GenerationModel m = new GenerationModel(model, Device.AUTO, threads)) {
      steps = m.manifest().generation().steps();
      rawLoop(m, capacity, 1);
      raw = rawLoop(m, capacity, 3);
    }
    AddpConfig base = AddpConfig.of(Map.of("model.dir", model.toString(), "generation.batch.size", String.valueOf(capacity),
        "model.intra.op.threads", String.valueOf(threads), AddpConfig.WORKER_ID, "bench-worker"));
    double single;
    double continuous;
    try (EmbeddedStack stack = EmbeddedStack.start(base, 4, BundledRegistry.location());
         RoleRunner roles = RoleRunner.start(List.of(ProcessRole.GENERATION), stack.config());
         GenerationClient client = new GenerationClient(stack.config())) {
      roles.awaitReady(Duration.ofSeconds(60));
      runJobs(client, "warmup", 2, perJob, true);
      single = runJobs(client, "single", jobs, perJob, true);
      continuous = runJobs(client, "continuous", jobs, perJob, false);
    }
    Map<String, Object> bench = new LinkedHashMap<>();
    bench.put("single_job_ips", single);
    bench.put("continuous_ips", continuous);
    bench.put("raw_ips", raw);
    bench.put("continuous_over_raw", continuous / raw);
    bench.put("continuous_over_single", continuous / single);
    bench.put("jobs", jobs);
    bench.put("images_per_job", perJob);
    bench.put("batch_capacity", capacity);
    bench.put("steps", steps);
    bench.put("threads", threads);
    System.out.printf("generation images/s: one job at a time %.1f; %d concurrent jobs %.1f; raw loop %.1f; "
        + "continuous/raw %.3f, continuous/single %.2f%n", single, jobs, continuous, raw, continuous / raw, continuous / single);
    BenchReport.write(out, "bench.json", bench);
    return 0;
  }

  /** Images/s of the loop alone: rounds × capacity images, all stepped together. */
  private static double rawLoop(GenerationModel m, int capacity, int rounds) throws Exception {
    GenerationLoop loop = new GenerationLoop(m, capacity);
    LoopSettings settings = LoopSettings.defaults(m.manifest().generation());
    long t0 = System.nanoTime();
    for (int round = 0; round < rounds; round++) {
      List<ImageTrack> tracks = new ArrayList<>();
      for (int i = 0; i < capacity; i++) tracks.add(loop.newTrack(settings, Uniforms.of(StreamSeeds.forImage(round, i))));
      while (!tracks.stream().allMatch(ImageTrack::done)) loop.step(tracks);
      for (ImageTrack t : tracks) ImagePng.encode(t.pixels(), m.imageShape()); // results are PNGs on the Kafka path too
    }
    return rounds * capacity / ((System.nanoTime() - t0) / 1e9);
  }

  /** Images/s from the first submit to the last result; sequential = submit each job after the previous one ended. */
  private static double runJobs(GenerationClient client, String prefix, int n, int count, boolean sequential) {
    List<String> ids = new ArrayList<>();
    for (int j = 0; j < n; j++) ids.add(prefix + "-" + j + "-" + System.nanoTime());
    long t0 = System.nanoTime();
    if (sequential) {
      for (String id : ids) {
        client.submit(request(id, count, ids.indexOf(id)));
        check(client.await(List.of(id), Map.of(id, count), Duration.ofMinutes(10), e -> { }).get(id), count);
      }
    } else {
      Map<String, Integer> counts = new LinkedHashMap<>();
      List<GenerationRequest> requests = new ArrayList<>();
      for (String id : ids) {
        counts.put(id, count);
        requests.add(request(id, count, ids.indexOf(id)));
      }
      client.submitAll(requests);
      client.await(ids, counts, Duration.ofMinutes(10), e -> { }).values().forEach(o -> check(o, count));
    }
    return n * count / ((System.nanoTime() - t0) / 1e9);
  }

  private static GenerationRequest request(String id, int count, long seed) {
    return GenerationRequest.newBuilder().setJobId(id).setCount(count).setSeed(seed).build();
  }

  private static void check(GenerationClient.JobOutcome o, int count) {
    if (o.events().isEmpty() || o.last().getState() != JobState.SUCCEEDED || o.results().size() != count) {
      throw new IllegalStateException("job " + o.jobId() + " did not succeed: " + (o.events().isEmpty() ? "no events" : o.last()));
    }
  }
}
