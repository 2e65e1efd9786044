package dev.addp.app.bench;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.embedded.BundledRegistry;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.BenchImages;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.avro.Task;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.RecognitionModel;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Recognition throughput end to end through Kafka against the same graphs run alone, side by side in one run. */
@Command(name = "recognition", mixinStandardHelpOptions = true,
    description = "Raw ONNX Runtime throughput of the recognition graph (--tasks: the heads run) versus end-to-end throughput through the embedded "
        + "Kafka (raw topic → ingest → worker → results), same graph, batch size and threads, measured in alternating "
        + "rounds after a warm-up; writes <out>/bench.json.")
public final class RecognitionBench implements Callable<Integer> {
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
    RecognitionRounds measured = new RecognitionRounds();
    try (EmbeddedStack stack = EmbeddedStack.start(base, 4, BundledRegistry.location());
         RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION), stack.config());
         RecognitionModel alone = new RecognitionModel(model, Device.AUTO, threads)) {
      if (!alone.tasks().containsAll(tasks)) {
        throw new IllegalArgumentException(model + " has no head for " + tasks.stream().filter(t -> !alone.tasks().contains(t)).toList()
            + " (it serves " + alone.tasks() + ")");
      }
      roles.awaitReady(Duration.ofSeconds(60));
      String metricsUrl = roles.operations().url() + "/metrics";
      System.err.println("metrics " + metricsUrl + (metrics == MetricsMode.off ? " (off)" : ""));
      RecognitionRoundTrip trip = new RecognitionRoundTrip(stack.config());
      JitShare jit = new JitShare();
      for (double share = 1; share > MAX_JIT_SHARE && measured.warmups < MAX_WARMUP_ROUNDS; ) {
        String dataset = "warmup" + ++measured.warmups;
        roles.metrics().setEnabled(metricsOn(measured.warmups - 1)); // both paths compiled before measuring
        share = jit.during(() -> endToEnd(trip, pngs, dataset)); // same code as measured, progress bar included
        System.err.printf("warm-up round %d: JIT compilers busy %.0f%% of one core%n", measured.warmups, 100 * share);
      }
      RawRecognition raw = new RawRecognition(alone, data, tasks, batchSize, images);
      measured.raw.add(raw.imagesPerSecond());
      measured.rawDecoded.add(raw.imagesPerSecondDecoded());
      int e2eRounds = metrics == MetricsMode.both ? 2 * rounds : rounds;
      for (int r = 0; r < e2eRounds; r++) {
        String dataset = "bench" + r;
        boolean on = metricsOn(r);
        roles.metrics().setEnabled(on);
        double[] ips = new double[1];
        // while metrics are on, a scraper reads the endpoint every second (Prometheus would every 15 s)
        try (MetricsScraper scraper = on ? new MetricsScraper(metricsUrl) : null) {
          measured.jitDuringE2e.add(jit.during(() -> ips[0] = endToEnd(trip, pngs, dataset)));
          if (scraper != null) measured.scrapes.add(scraper.summary());
        }
        (on ? measured.e2e : measured.e2eOff).add(ips[0]);
        measured.raw.add(raw.imagesPerSecond());
        measured.rawDecoded.add(raw.imagesPerSecondDecoded());
        System.err.printf("round %d (metrics %s): end to end %.0f images/s (raw before %.0f, after %.0f; with post-processing %.0f)%n",
            r + 1, on ? "on" : "off", ips[0], measured.raw.get(r), measured.raw.get(r + 1), measured.rawDecoded.get(r + 1));
      }
    }
    Map<String, Object> bench = measured.figures(metrics.toString());
    bench.put("tasks", tasks);
    bench.put("model", ModelManifest.read(model).name());
    bench.put("images_source", data.source());
    bench.put("scrapes_during_metrics_on_rounds", measured.scrapes);
    bench.put("images_per_round", images);
    bench.put("batch_size", batchSize);
    bench.put("threads", threads);
    bench.put("cores", Runtime.getRuntime().availableProcessors());
    bench.put("warmup_rounds", measured.warmups);
    bench.put("jit_share_during_e2e", measured.jitDuringE2e);
    measured.printRatios();
    BenchReport.write(out, "bench.json", bench);
    return 0;
  }

  private boolean metricsOn(int round) {
    return switch (metrics) {
      case on -> true;
      case off -> false;
      case both -> round % 2 == 0;
    };
  }

  /** Images per second from the first request sent to the last result read. */
  private double endToEnd(RecognitionRoundTrip trip, List<byte[]> pngs, String dataset) {
    RecognitionRoundTrip.Outcome o = trip.run(dataset, images,
        i -> new RecognitionRoundTrip.Item(dataset + "-" + i, pngs.get(i % pngs.size()), Map.of(), null, tasks), Duration.ofMinutes(10), true);
    if (o.results().size() != images) throw new IllegalStateException("only " + o.results().size() + " of " + images + " results arrived");
    return o.throughputPerSecond();
  }
}
