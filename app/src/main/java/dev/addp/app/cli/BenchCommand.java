package dev.addp.app.cli;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.BenchImages;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.app.embedded.BundledRegistry;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import dev.addp.app.run.GenerationClient;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.ImageRequest;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.generation.ImagePng;
import dev.addp.workers.generation.ImageTrack;
import dev.addp.workers.generation.LoopSettings;
import dev.addp.workers.generation.StreamSeeds;
import dev.addp.workers.generation.Uniforms;
import dev.addp.workers.onnx.Device;
import dev.addp.avro.Task;
import dev.addp.workers.recognition.CropStage;
import dev.addp.workers.recognition.RecognitionDecoder;
import dev.addp.workers.recognition.RecognitionModel;
import dev.addp.workers.recognition.RecognitionService;
import dev.addp.workers.recognition.heads.Detection;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
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
    subcommands = {BenchCommand.Recognition.class, BenchCommand.Generation.class, BenchCommand.History.class,
        dev.addp.app.bench.OverloadBench.class, dev.addp.app.bench.SoakBench.class})
final class BenchCommand {
  @Command(name = "history", mixinStandardHelpOptions = true,
      description = "Seconds a generation worker spends learning which jobs ended when it takes over request partitions, with N "
          + "finished jobs in the topics: the whole events topic read from the start (the former way) against the job-state "
          + "topic's assigned partitions; writes <out>/bench.json.")
  static final class History implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "out/bench-history")
    Path out;

    @Option(names = "--jobs", defaultValue = "100000", description = "finished jobs written first (default: ${DEFAULT-VALUE})")
    int jobs;

    @Option(names = "--progress-events", defaultValue = "8", description = "RUNNING events per job (default: ${DEFAULT-VALUE})")
    int progress;

    @Option(names = "--partitions", defaultValue = "4")
    int partitions;

    @Override
    public Integer call() throws Exception {
      Map<String, Object> bench = new LinkedHashMap<>();
      // large producer batches: the fill is a million small records, not what is measured
      AddpConfig base = AddpConfig.of(Map.of("kafka.batch.size", "524288", "kafka.linger.ms", "20"));
      try (EmbeddedStack stack = EmbeddedStack.start(base, partitions, BundledRegistry.location())) {
        dev.addp.app.run.JobHistoryBench b = new dev.addp.app.run.JobHistoryBench(stack.config());
        long t0 = System.nanoTime();
        b.fill(jobs, progress, partitions);
        bench.put("fill_seconds", (System.nanoTime() - t0) / 1e9);
        b.readWholeEventsTopic(); // warm-up: JIT, page cache, the registry's answers
        bench.put("before_whole_events_topic", b.readWholeEventsTopic());
        bench.put("after_one_partition", b.loadJobHistory(List.of(0), jobs, partitions));
        bench.put("after_all_partitions", b.loadJobHistory(java.util.stream.IntStream.range(0, partitions).boxed().toList(), jobs, partitions));
      }
      bench.put("jobs", jobs);
      bench.put("progress_events_per_job", progress);
      bench.put("partitions", partitions);
      Files.createDirectories(out);
      DemoCommand.JSON.writeValue(out.resolve("bench.json").toFile(), bench);
      System.out.println(DemoCommand.JSON.writeValueAsString(bench));
      return 0;
    }
  }


  @Command(name = "recognition", mixinStandardHelpOptions = true,
      description = "Raw ONNX Runtime throughput of the recognition graph (--tasks: the heads run) versus end-to-end throughput through the embedded "
          + "Kafka (raw topic → ingest → worker → results), same graph, batch size and threads, measured in alternating "
          + "rounds after a warm-up; writes <out>/bench.json.")
  static final class Recognition implements Callable<Integer> {
    /** Warm-up ends when the JIT compilers used less than this share of one core in a round... */
    private static final double MAX_JIT_SHARE = 0.10;
    /** ...or after this many rounds (on 2 cores they compile broker and client code for minutes). */
    private static final int MAX_WARMUP_ROUNDS = 15;

    @Option(names = "--out", defaultValue = "out/bench-recognition")
    Path out;

    @Option(names = "--images", defaultValue = "10000",
        description = "images per round, cycling through the sample (default: ${DEFAULT-VALUE})")
    int images;

    @Option(names = "--rounds", defaultValue = "3",
        description = "end-to-end rounds, each between two raw rounds (default: ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--batch-size", defaultValue = "32")
    int batchSize;

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: all cores)")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--model", defaultValue = RecognitionService.DEFAULT_MODEL_DIR)
    Path model;

    @Option(names = "--sample", description = "folder with the gzipped IDX sample (default: models/zoo/fashion-mnist-test)")
    Path sample = FashionMnistSample.DEFAULT_DIR;

    @Option(names = "--tasks", split = ",", defaultValue = "classify",
        description = "tasks of every request, e.g. classify,detect,segment (default: ${DEFAULT-VALUE})")
    List<Task> tasks;

    @Option(names = "--scenes-dir", defaultValue = "models/zoo/scenes-test",
        description = "images for a model with detection or segmentation heads: the dense test scenes (default: ${DEFAULT-VALUE})")
    Path scenesDir;

    enum MetricsMode { on, off, both }

    @Option(names = "--metrics", defaultValue = "on", description = "metrics during the end-to-end rounds: on, off, or both "
        + "(alternating rounds, --rounds of each, for the cost of metrics side by side) (default: ${DEFAULT-VALUE})")
    MetricsMode metrics;

    /**
     * Both figures are steady-state and side by side: the stack is warmed until the JIT is nearly
     * idle (the raw run has no JIT to wait for), then raw and end-to-end rounds alternate, so a
     * slow spell on this shared machine hits both; each figure is the mean over its rounds.
     */
    @Override
    public Integer call() throws Exception {
      BenchImages data = BenchImages.of(model, sample, scenesDir, images);
      List<byte[]> pngs = data.pngs();
      AddpConfig base = AddpConfig.of(Map.of("model.dir", model.toString(), "recognition.batch.size", String.valueOf(batchSize),
          "model.intra.op.threads", String.valueOf(threads), AddpConfig.WORKER_ID, "bench-worker"));
      List<Double> raw = new ArrayList<>();
      List<Double> rawDecoded = new ArrayList<>();
      List<Double> e2e = new ArrayList<>();
      List<Double> e2eOff = new ArrayList<>();
      List<Double> jitDuringE2e = new ArrayList<>();
      List<Map<String, Object>> scrapes = new ArrayList<>();
      int warmups = 0;
      try (EmbeddedStack stack = EmbeddedStack.start(base, 4, BundledRegistry.location());
           RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION), stack.config());
           RecognitionModel alone = new RecognitionModel(model, Device.AUTO, threads)) {
        if (!alone.tasks().containsAll(tasks)) {
          throw new IllegalArgumentException(model + " has no head for " + tasks.stream().filter(t -> !alone.tasks().contains(t)).toList()
              + " (it serves " + alone.tasks() + ")");
        }
        RecognitionDecoder decoder = new RecognitionDecoder(alone.manifest(), alone.spec());
        roles.awaitReady(Duration.ofSeconds(60));
        String metricsUrl = roles.operations().url() + "/metrics";
        System.err.println("metrics " + metricsUrl + (metrics == MetricsMode.off ? " (off)" : ""));
        RecognitionRoundTrip trip = new RecognitionRoundTrip(stack.config());
        Jit jit = new Jit();
        for (double share = 1; share > MAX_JIT_SHARE && warmups < MAX_WARMUP_ROUNDS; ) {
          String dataset = "warmup" + ++warmups;
          roles.metrics().setEnabled(metricsOn(warmups - 1)); // both paths compiled before measuring
          share = jit.shareDuring(() -> endToEnd(trip, pngs, dataset)); // same code as measured, progress bar included
          System.err.printf("warm-up round %d: JIT compilers busy %.0f%% of one core%n", warmups, 100 * share);
        }
        float[] input = rawInput(alone, data);
        raw.add(raw(alone, decoder, input));
        rawDecoded.add(rawDecoded(alone, decoder, input, data));
        int e2eRounds = metrics == MetricsMode.both ? 2 * rounds : rounds;
        for (int r = 0; r < e2eRounds; r++) {
          String dataset = "bench" + r;
          boolean on = metricsOn(r);
          roles.metrics().setEnabled(on);
          double[] ips = new double[1];
          // while metrics are on, a scraper reads the endpoint every second (Prometheus would every 15 s)
          try (Scraper scraper = on ? new Scraper(metricsUrl) : null) {
            jitDuringE2e.add(jit.shareDuring(() -> ips[0] = endToEnd(trip, pngs, dataset)));
            if (scraper != null) scrapes.add(scraper.summary());
          }
          (on ? e2e : e2eOff).add(ips[0]);
          raw.add(raw(alone, decoder, input));
          rawDecoded.add(rawDecoded(alone, decoder, input, data));
          System.err.printf("round %d (metrics %s): end to end %.0f images/s (raw before %.0f, after %.0f; with post-processing %.0f)%n",
              r + 1, on ? "on" : "off", ips[0], raw.get(r), raw.get(r + 1), rawDecoded.get(r + 1));
        }
      }
      double rawIps = mean(raw);
      Map<String, Object> bench = new LinkedHashMap<>();
      bench.put("raw_ips", rawIps);
      bench.put("metrics", metrics.toString());
      if (!e2e.isEmpty()) {
        bench.put("e2e_ips", mean(e2e));
        bench.put("ratio", mean(e2e) / rawIps);
        bench.put("e2e_rounds_ips", e2e);
      }
      if (!e2eOff.isEmpty()) {
        bench.put("e2e_metrics_off_ips", mean(e2eOff));
        bench.put("ratio_metrics_off", mean(e2eOff) / rawIps);
        bench.put("e2e_metrics_off_rounds_ips", e2eOff);
      }
      if (!e2e.isEmpty() && !e2eOff.isEmpty()) bench.put("metrics_on_over_off", mean(e2e) / mean(e2eOff));
      bench.put("raw_rounds_ips", raw);
      bench.put("raw_with_postprocessing_ips", mean(rawDecoded));
      bench.put("raw_with_postprocessing_rounds_ips", rawDecoded);
      bench.put("tasks", tasks);
      bench.put("model", modelName(model));
      bench.put("images_source", data.source());
      bench.put("scrapes_during_metrics_on_rounds", scrapes);
      bench.put("images_per_round", images);
      bench.put("batch_size", batchSize);
      bench.put("threads", threads);
      bench.put("cores", Runtime.getRuntime().availableProcessors());
      bench.put("warmup_rounds", warmups);
      bench.put("jit_share_during_e2e", jitDuringE2e);
      Files.createDirectories(out);
      DemoCommand.JSON.writeValue(out.resolve("bench.json").toFile(), bench);
      if (!e2e.isEmpty()) {
        System.out.printf("raw ONNX Runtime: %.0f images/s; end-to-end through Kafka (metrics on): %.0f images/s; ratio %.3f%n",
            rawIps, mean(e2e), mean(e2e) / rawIps);
      }
      if (!e2eOff.isEmpty()) {
        System.out.printf("raw ONNX Runtime: %.0f images/s; end-to-end through Kafka (metrics off): %.0f images/s; ratio %.3f%n",
            rawIps, mean(e2eOff), mean(e2eOff) / rawIps);
      }
      System.out.println(DemoCommand.JSON.writeValueAsString(bench));
      return 0;
    }

    private boolean metricsOn(int round) {
      return switch (metrics) {
        case on -> true;
        case off -> false;
        case both -> round % 2 == 0;
      };
    }

    /** Reads the metrics endpoint every second in the background; says how many scrapes, how long they took, how big. */
    private static final class Scraper implements AutoCloseable {
      private final java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      private final java.util.concurrent.ScheduledExecutorService timer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-scraper");
        t.setDaemon(true);
        return t;
      });
      private final List<Long> nanos = new java.util.concurrent.CopyOnWriteArrayList<>();
      private volatile int bytes;
      private volatile double requestsFirst = Double.NaN;
      private volatile double requestsLast = Double.NaN;

      Scraper(String url) {
        java.net.http.HttpRequest get = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).GET().build();
        timer.scheduleAtFixedRate(() -> {
          try {
            long t0 = System.nanoTime();
            String body = http.send(get, java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            nanos.add(System.nanoTime() - t0);
            bytes = body.length();
            double requests = body.lines().filter(l -> l.startsWith("addp_model_requests_total{"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
            if (Double.isNaN(requestsFirst)) requestsFirst = requests;
            requestsLast = requests;
          } catch (Exception e) {
            // a missed scrape is a missed scrape; the summary counts the ones that happened
          }
        }, 0, 1, java.util.concurrent.TimeUnit.SECONDS);
      }

      Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("scrapes", nanos.size());
        m.put("mean_scrape_ms", nanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6);
        m.put("bytes", bytes);
        m.put("addp_model_requests_total_first", requestsFirst);
        m.put("addp_model_requests_total_last", requestsLast);
        return m;
      }

      @Override
      public void close() { timer.shutdownNow(); }
    }

    /** One batch of preprocessed sample images, run once so the session is warm. */
    private float[] rawInput(RecognitionModel c, BenchImages data) throws Exception {
      int len = c.preprocessor().inputLength();
      float[] input = new float[batchSize * len];
      for (int j = 0; j < batchSize; j++) c.preprocessor().write(data.image(j % data.count()), input, j * len);
      c.run(input, batchSize, java.util.EnumSet.copyOf(tasks));
      return input;
    }

    /**
     * Images per second of the graphs alone on preprocessed inputs (the outputs the tasks need);
     * with a refine stage, the crop graph's run on every batch's candidate boxes too (finding them
     * is the first stage's decoding, part of this figure), as the worker runs it.
     */
    private double raw(RecognitionModel c, RecognitionDecoder decoder, float[] input) throws Exception {
      long t0 = System.nanoTime();
      int done = 0;
      while (done < images) {
        int m = Math.min(batchSize, images - done);
        runBatch(c, decoder, input, m);
        done += m;
      }
      return done / ((System.nanoTime() - t0) / 1e9);
    }

    /** As {@link #raw}, plus the worker's post-processing of every image (labels, boxes, masks as RLE). */
    private double rawDecoded(RecognitionModel c, RecognitionDecoder decoder, float[] input, BenchImages data) throws Exception {
      int w = data.image(0).getWidth();
      int h = data.image(0).getHeight();
      long t0 = System.nanoTime();
      int done = 0;
      while (done < images) {
        int m = Math.min(batchSize, images - done);
        RawBatch b = runBatch(c, decoder, input, m);
        for (int j = 0; j < m; j++) {
          if (b.probs() == null) {
            decoder.decode(b.outputs(), j, b.request(), w, h);
          } else {
            CropStage.Share s = b.probs().get(j);
            decoder.decode(b.outputs(), j, b.request(), w, h, b.first()[j], s.probs(), s.offset());
          }
        }
        done += m;
      }
      return done / ((System.nanoTime() - t0) / 1e9);
    }

    private record RawBatch(RecognitionModel.Outputs outputs, ImageRequest request, RecognitionDecoder.FirstStage[] first,
                            List<CropStage.Share> probs) { }

    /** One batch as the worker runs its models: the graph, then (refine stage) the candidates' crops in one run. */
    private RawBatch runBatch(RecognitionModel c, RecognitionDecoder decoder, float[] input, int m) throws Exception {
      ImageRequest req = ImageRequest.newBuilder().setRequestId("raw").setTasks(tasks).setTopK(3).build();
      RecognitionModel.Outputs out = c.run(input, m, java.util.EnumSet.copyOf(tasks));
      RecognitionDecoder.FirstStage[] first = new RecognitionDecoder.FirstStage[m];
      if (c.refine() == null) return new RawBatch(out, req, first, null);
      int len = c.preprocessor().inputLength();
      List<CropStage.Image> crops = new ArrayList<>(m);
      for (int j = 0; j < m; j++) {
        first[j] = decoder.firstStage(out, j, req);
        List<Detection> boxes = first[j] == null ? List.of() : first[j].toCrop();
        crops.add(new CropStage.Image(java.util.Arrays.copyOfRange(input, j * len, (j + 1) * len), boxes));
      }
      return new RawBatch(out, req, first, cropStage(c).run(crops));
    }

    private CropStage cropStage;

    private CropStage cropStage(RecognitionModel c) {
      if (cropStage == null) cropStage = new CropStage(c);
      return cropStage;
    }

    private static String modelName(Path model) { return dev.addp.workers.model.ModelManifest.read(model).name(); }

    /** Images per second from the first request sent to the last result read. */
    private double endToEnd(RecognitionRoundTrip trip, List<byte[]> pngs, String dataset) {
      RecognitionRoundTrip.Outcome o = trip.run(dataset, images,
          i -> new RecognitionRoundTrip.Item(dataset + "-" + i, pngs.get(i % pngs.size()), Map.of(), null, tasks), Duration.ofMinutes(10), true);
      if (o.results().size() != images) throw new IllegalStateException("only " + o.results().size() + " of " + images + " results arrived");
      return o.throughputPerSecond();
    }

    private static double mean(List<Double> xs) {
      return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    /** Share of one core the JIT compilers used while a task ran. */
    private static final class Jit {
      private final CompilationMXBean bean = ManagementFactory.getCompilationMXBean();

      double shareDuring(Runnable task) {
        long compileMs = bean.getTotalCompilationTime();
        long t0 = System.nanoTime();
        task.run();
        return (bean.getTotalCompilationTime() - compileMs) / ((System.nanoTime() - t0) / 1e6);
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
