package dev.addp.app.cli;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.Role;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.embedded.EmbeddedStack;
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
    subcommands = {BenchCommand.Recognition.class})
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

    @Override
    public Integer call() throws Exception {
      FashionMnistSample data = FashionMnistSample.read(FashionMnistSample.DEFAULT_DIR);
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
}
