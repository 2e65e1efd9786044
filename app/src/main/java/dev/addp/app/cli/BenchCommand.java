package dev.addp.app.cli;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.Role;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.embedded.EmbeddedStack;
import dev.addp.app.run.GenerationClient;
import dev.addp.avro.GenerationRequest;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.generation.ImagePng;
import dev.addp.workers.generation.ImageTrack;
import dev.addp.workers.generation.LoopSettings;
import dev.addp.workers.generation.StreamSeeds;
import dev.addp.workers.generation.Uniforms;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.Classifier;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Benchmarks, each printing a ratio measured side by side in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
    subcommands = {BenchCommand.Recognition.class, BenchCommand.Generation.class})
final class BenchCommand {

  @Command(name = "recognition", mixinStandardHelpOptions = true,
      description = "Raw ONNX Runtime throughput of the classifier graph versus end-to-end throughput through the embedded "
          + "Kafka (raw topic → ingest → worker → results), same graph, batch size and threads; writes <out>/bench.json.")
  static final class Recognition implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "out/bench-recognition")
    Path out;

    @Option(names = "--images", defaultValue = "2000", description = "images per measurement (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--batch-size", defaultValue = "32")
    int batchSize;

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--model", defaultValue = RecognitionService.DEFAULT_MODEL_DIR)
    Path model;

    @Option(names = "--sample", description = "folder with the gzipped IDX sample (default: models/zoo/fashion-mnist-test)")
    Path sample = FashionMnistSample.DEFAULT_DIR;

    @Override
    public Integer call() throws Exception {
      FashionMnistSample data = FashionMnistSample.read(sample);
      int n = Math.min(images, data.count());
      double rawBefore = raw(data, n);
      double e2e = endToEnd(data, n);
      double rawAfter = raw(data, n);
      double raw = (rawBefore + rawAfter) / 2;
      Map<String, Object> bench = new LinkedHashMap<>();
      bench.put("raw_ips", raw);
      bench.put("raw_ips_before", rawBefore);
      bench.put("raw_ips_after", rawAfter);
      bench.put("e2e_ips", e2e);
      bench.put("ratio", e2e / raw);
      bench.put("images", n);
      bench.put("batch_size", batchSize);
      bench.put("threads", threads);
      bench.put("cores", Runtime.getRuntime().availableProcessors());
      Files.createDirectories(out);
      DemoCommand.JSON.writeValue(out.resolve("bench.json").toFile(), bench);
      System.out.printf("raw ONNX Runtime: %.0f images/s; end-to-end through Kafka: %.0f images/s; ratio %.3f%n", raw, e2e, e2e / raw);
      System.out.println(DemoCommand.JSON.writeValueAsString(bench));
      return 0;
    }

    /** Images per second of the graph alone on preprocessed inputs, after a warm-up batch. */
    private double raw(FashionMnistSample data, int n) throws Exception {
      try (Classifier c = new Classifier(model, Device.AUTO, threads)) {
        int len = c.preprocessor().inputLength();
        float[] input = new float[batchSize * len];
        for (int j = 0; j < batchSize; j++) c.preprocessor().write(data.image(j % data.count()), input, j * len);
        c.run(input, batchSize);
        long t0 = System.nanoTime();
        int done = 0;
        while (done < n) {
          int m = Math.min(batchSize, n - done);
          c.run(input, m);
          done += m;
        }
        return done / ((System.nanoTime() - t0) / 1e9);
      }
    }

    /** Images per second from the first request sent to the last result read, after a warm-up round. */
    private double endToEnd(FashionMnistSample data, int n) throws Exception {
      List<byte[]> pngs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) pngs.add(data.png(i));
      AddpConfig base = AddpConfig.of(Map.of("model.dir", model.toString(), "recognition.batch.size", String.valueOf(batchSize),
          "model.intra.op.threads", String.valueOf(threads), AddpConfig.WORKER_ID, "bench-worker"));
      try (EmbeddedStack stack = EmbeddedStack.start(base, 4);
           RoleRunner roles = RoleRunner.start(List.of(Role.INGEST, Role.RECOGNITION), stack.config())) {
      roles.awaitReady(Duration.ofSeconds(60));
        RecognitionRoundTrip trip = new RecognitionRoundTrip(stack.config());
        trip.run("warmup", Math.min(200, n), i -> new RecognitionRoundTrip.Item("warmup-" + i, pngs.get(i), Map.of()),
            Duration.ofMinutes(5), false);
        RecognitionRoundTrip.Outcome o = trip.run("bench", n, i -> new RecognitionRoundTrip.Item("bench-" + i, pngs.get(i), Map.of()),
            Duration.ofMinutes(10), true);
        if (o.results().size() != n) throw new IllegalStateException("only " + o.results().size() + " of " + n + " results arrived");
        return o.throughputPerSecond();
      }
    }
  }

  @Command(name = "generation", mixinStandardHelpOptions = true,
      description = "Images/s of generation (a) one job at a time through Kafka, (b) N concurrent jobs through Kafka with continuous "
          + "batching, (c) the raw batched step loop without Kafka, same model, steps and batch capacity; writes <out>/bench.json.")
  static final class Generation implements Callable<Integer> {
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
      try (EmbeddedStack stack = EmbeddedStack.start(base, 4);
           RoleRunner roles = RoleRunner.start(List.of(Role.GENERATION), stack.config());
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
      Files.createDirectories(out);
      DemoCommand.JSON.writeValue(out.resolve("bench.json").toFile(), bench);
      System.out.printf("generation images/s: one job at a time %.1f; %d concurrent jobs %.1f; raw loop %.1f; "
          + "continuous/raw %.3f, continuous/single %.2f%n", single, jobs, continuous, raw, continuous / raw, continuous / single);
      System.out.println(DemoCommand.JSON.writeValueAsString(bench));
      return 0;
    }

    /** Images/s of the loop alone: rounds × capacity images, all stepped together. */
    private double rawLoop(GenerationModel m, int capacity, int rounds) throws Exception {
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
    private double runJobs(GenerationClient client, String prefix, int n, int count, boolean sequential) {
      List<String> ids = new ArrayList<>();
      for (int j = 0; j < n; j++) ids.add(prefix + "-" + j + "-" + System.nanoTime());
      long t0 = System.nanoTime();
      if (sequential) {
        for (String id : ids) {
          client.submit(GenerationRequest.newBuilder().setJobId(id).setCount(count).setSeed(ids.indexOf(id)).build());
          check(client.await(List.of(id), Map.of(id, count), Duration.ofMinutes(10), e -> { }).get(id), count);
        }
      } else {
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<GenerationRequest> requests = new ArrayList<>();
        for (String id : ids) {
          counts.put(id, count);
          requests.add(GenerationRequest.newBuilder().setJobId(id).setCount(count).setSeed(ids.indexOf(id)).build());
        }
        client.submitAll(requests);
        client.await(ids, counts, Duration.ofMinutes(10), e -> { }).values().forEach(o -> check(o, count));
      }
      return n * count / ((System.nanoTime() - t0) / 1e9);
    }

    private static void check(GenerationClient.JobOutcome o, int count) {
      if (o.events().isEmpty() || o.last().getState() != dev.addp.avro.JobState.SUCCEEDED || o.results().size() != count) {
        throw new IllegalStateException("job " + o.jobId() + " did not succeed: " + (o.events().isEmpty() ? "no events" : o.last()));
      }
    }
  }
}
