package dev.addp.app.cli;

import dev.addp.platform.config.Settings;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.ContactSheet;
import dev.addp.app.run.DenseDemo;
import dev.addp.app.embedded.BrokerLog;
import dev.addp.app.embedded.BundledRegistry;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.kafka.Topics;
import dev.addp.app.run.GenerationClient;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import dev.addp.app.run.DirectClassification;
import dev.addp.app.run.Percentiles;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.config.AddpConfig;
import dev.addp.workers.recognition.RecognitionService;
import java.awt.Color;
import java.io.BufferedWriter;
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

/** Starts the embedded stack, sends a Fashion-MNIST sample through Kafka, and reports what came back. */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Start the embedded stack (KRaft broker, schema registry, ingest, recognition and generation workers, job status), "
        + "send the bundled Fashion-MNIST test images through Kafka, run one generation job, and write <out>/summary.json, "
        + "results.jsonl, predictions.png and generated.png; with the dense model, also a sample of the test scenes with all "
        + "three tasks (overlays.png; det_ap50, det_ap, seg_miou in the summary).")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "out/demo", description = "output directory (default: ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--images", defaultValue = "2000", description = "images to send, at most the sample size (default: ${DEFAULT-VALUE})")
  int images;

  @Option(names = "--model", defaultValue = RecognitionService.DEFAULT_MODEL_DIR, description = "model directory")
  Path model;

  @Option(names = "--sample", description = "folder with the gzipped IDX sample (default: models/zoo/fashion-mnist-test)")
  Path sample = FashionMnistSample.DEFAULT_DIR;

  @Option(names = "--dense-model", defaultValue = "models/zoo/addp-fmnist-dense",
      description = "dense model directory (boxes and masks); skipped when absent (default: ${DEFAULT-VALUE})")
  Path denseModel;

  @Option(names = "--scenes-dir", defaultValue = "models/zoo/scenes-test", description = "dense test scenes (default: ${DEFAULT-VALUE})")
  Path scenesDir;

  @Option(names = "--scenes", defaultValue = "300",
      description = "test scenes to send with CLASSIFY, DETECT and SEGMENT to the dense model; 0 = none (default: ${DEFAULT-VALUE})")
  int scenes;

  @Option(names = "--partitions", defaultValue = "4")
  int partitions;

  @Option(names = "--brokers", defaultValue = "1",
      description = "KRaft nodes of the embedded cluster; from 3 up every topic has replication factor 3, min.insync.replicas 2 "
          + "(default: ${DEFAULT-VALUE})")
  int brokers;

  @Option(names = "--batch-size", defaultValue = "32")
  int batchSize;

  @Override
  public Integer call() throws Exception {
    FashionMnistSample data = FashionMnistSample.read(sample);
    int n = Math.min(images, data.count());
    Files.createDirectories(out);
    Path brokerLog = out.resolve("broker.log");
    if (BrokerLog.writeTo(brokerLog)) System.err.println("the embedded broker logs its warnings and errors to " + brokerLog);
    List<byte[]> pngs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) pngs.add(data.png(i));
    AddpConfig base = AddpConfig.of(Map.of("model.dir", model.toString(), "recognition.batch.size", String.valueOf(batchSize),
        AddpConfig.WORKER_ID, "demo-worker", "status.http.port", String.valueOf(consolePort),
        "metrics.http.port", String.valueOf(metricsPort)));
    // a fresh operator token per demo, shown only to whoever started it: the console's cancel buttons need it
    String operatorToken = newToken();
    base = base.with("console.operator.token", operatorToken);
    String denseMissing = scenes > 0 ? DenseDemo.missing(denseModel, scenesDir) : "--scenes 0";
    if (denseMissing == null) base = base.with(Topics.ROUTED_MODELS, DenseDemo.modelName(denseModel)); // its own worker and topic
    else System.err.println("skipping boxes and masks: " + denseMissing);
    if (brokers < 1) throw new IllegalArgumentException("--brokers must be at least 1, got " + brokers);
    System.err.println(brokers == 1 ? "starting the embedded stack (KRaft broker, schema registry) ..."
        : "starting the embedded stack (" + brokers + " KRaft nodes, schema registry) ...");
    Map<String, Object> summary = new LinkedHashMap<>();
    try (EmbeddedStack stack = EmbeddedStack.start(base, partitions, brokers, BundledRegistry.location());
         RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION, ProcessRole.GENERATION, ProcessRole.STATUS), stack.config())) {
      roles.awaitReady(Duration.ofSeconds(60));
      System.err.printf("console http://127.0.0.1:%d/console/  metrics %s/metrics  (health %s/health, ready %s/ready)%n",
          roles.status().port(), roles.operations().url(), roles.operations().url(), roles.operations().url());
      System.err.printf("%s %s (topics: %s), registry %s; sending %d images%n", brokers == 1 ? "broker" : "brokers",
          stack.config().get(Settings.BOOTSTRAP_SERVERS, ""), stack.replication(), stack.config().get(Settings.REGISTRY_URL, ""), n);
      RecognitionRoundTrip.Outcome o = new RecognitionRoundTrip(stack.config()).run("fashion-mnist-test", n,
          i -> new RecognitionRoundTrip.Item("fmnist-test-" + i, pngs.get(i), Map.of("label", String.valueOf(data.label(i)))),
          Duration.ofMinutes(10), true);
      int[] direct = DirectClassification.predict(model, data, n, batchSize, Runtime.getRuntime().availableProcessors());
      RecognitionService worker = roles.recognition();
      int correct = 0;
      int correctDirect = 0;
      int agree = 0;
      List<ContactSheet.Cell> cells = new ArrayList<>();
      try (BufferedWriter w = Files.newBufferedWriter(out.resolve("results.jsonl"))) {
        for (int i = 0; i < n; i++) {
          RecognitionResult r = o.results().get("fmnist-test-" + i);
          int predicted = r == null ? -1 : r.getClassifications().get(0).getLabelId();
          if (predicted == data.label(i)) correct++;
          if (direct[i] == data.label(i)) correctDirect++;
          if (predicted == direct[i]) agree++;
          Map<String, Object> line = new LinkedHashMap<>();
          line.put("request_id", "fmnist-test-" + i);
          line.put("label", data.label(i));
          line.put("predicted", predicted);
          line.put("predicted_direct", direct[i]);
          line.put("score", r == null ? null : r.getClassifications().get(0).getScore());
          line.put("latency_ms", o.latencyMs().get("fmnist-test-" + i));
          line.put("dead_letter", o.deadLetters().containsKey("fmnist-test-" + i) ? o.deadLetters().get("fmnist-test-" + i).getErrorType().toString() : null);
          w.write(JSON.writeValueAsString(line));
          w.newLine();
          if (i < 64) {
            String name = predicted < 0 ? "-" : worker.model().manifest().labels().get(predicted);
            cells.add(new ContactSheet.Cell(data.image(i), name, predicted == data.label(i) ? Color.GREEN : Color.RED));
          }
        }
      }
      ContactSheet.write(cells, 8, 3, out.resolve("predictions.png"));
      summary.put("images", n);
      summary.put("results", o.results().size());
      summary.put("dead_letters", o.deadLetters().size());
      summary.put("top1", (double) correct / n);
      summary.put("top1_direct", (double) correctDirect / n);
      summary.put("agreement_with_direct", (double) agree / n);
      summary.put("throughput_ips", o.throughputPerSecond());
      summary.put("latency_p50_ms", Percentiles.of(o.latencyMs().values(), 50));
      summary.put("latency_p99_ms", Percentiles.of(o.latencyMs().values(), 99));
      RecognitionRoundTrip.Outcome paced = new RecognitionRoundTrip(stack.config()).run("fashion-mnist-test", PACED_IMAGES,
          i -> new RecognitionRoundTrip.Item("paced-" + i, pngs.get(i % n), Map.of()), Duration.ofMinutes(2), false, PACED_RATE);
      summary.put("paced_rate_ips", PACED_RATE);
      summary.put("paced_latency_p50_ms", Percentiles.of(paced.latencyMs().values(), 50));
      summary.put("paced_latency_p99_ms", Percentiles.of(paced.latencyMs().values(), 99));
      summary.put("mean_queue_ms", o.results().values().stream().mapToDouble(r -> r.getTimings().getQueueMs()).average().orElse(0));
      summary.put("mean_decode_ms", o.results().values().stream().mapToDouble(r -> r.getTimings().getDecodeMs()).average().orElse(0));
      summary.put("mean_batch_inference_ms", o.results().values().stream().mapToDouble(r -> r.getTimings().getInferenceMs()).average().orElse(0));
      summary.put("batches", worker.stats().batches.get());
      summary.put("mean_batch_size", worker.stats().meanBatchSize());
      summary.put("model", Map.of("name", worker.model().lineage().getName(), "version", worker.model().lineage().getVersion(),
          "sha256", worker.model().lineage().getSha256()));
      summary.put("execution_provider", worker.model().provider());
      summary.put("partitions", partitions);
      summary.put("brokers", brokers);
      summary.put("replication_factor", (int) stack.replication().factor());
      summary.put("min_insync_replicas", stack.replication().minInsyncReplicas());
      if (denseMissing == null) summary.putAll(DenseDemo.run(stack.config(), denseModel, scenesDir, scenes, out));
      summary.putAll(generate(stack.config(), roles));
      summary.put("batch_size", batchSize);
      summary.put("console_url", "http://127.0.0.1:" + roles.status().port() + "/console/");
      summary.put("metrics_url", roles.operations().url() + "/metrics");
      if (keepRunning) {
        JSON.writeValue(out.resolve("summary.json").toFile(), summary);
        keepRunning(roles, operatorToken);
      }
    }
    JSON.writeValue(out.resolve("summary.json").toFile(), summary);
    System.out.println(JSON.writeValueAsString(summary));
    System.err.println("wrote " + out.resolve("summary.json") + ", results.jsonl, predictions.png, generated.png"
        + (denseMissing == null ? ", overlays.png" : ""));
    return 0;
  }

  static String newToken() {
    byte[] b = new byte[18];
    new java.security.SecureRandom().nextBytes(b);
    return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** Keeps the stack up for a look at the console until the process is stopped (Ctrl-C). */
  private static void keepRunning(RoleRunner roles, String operatorToken) throws InterruptedException {
    java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        stopped.await(30, java.util.concurrent.TimeUnit.SECONDS); // let the stack shut down cleanly
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    System.err.printf("demo done; the stack keeps running: console http://127.0.0.1:%d/console/  metrics %s/metrics  (Ctrl-C stops it)%n",
        roles.status().port(), roles.operations().url());
    System.err.printf("console operator token (log in to cancel jobs): %s%n", operatorToken);
    try {
      stop.await();
    } finally {
      stopped.countDown();
    }
  }

  /** One generation job through Kafka: a contact sheet of its images and its figures for the summary. */
  private Map<String, Object> generate(AddpConfig config, RoleRunner roles) throws Exception {
    System.err.printf("generating %d images with ADDP's alternating loop (status at http://127.0.0.1:%d/jobs/demo-generation) ...%n",
        generateCount, roles.status().port());
    long t0 = System.nanoTime();
    GenerationClient.JobOutcome o;
    try (GenerationClient client = new GenerationClient(config);
         ProgressBar bar = new ProgressBarBuilder().setTaskName("generate").setInitialMax(1).build()) {
      client.submit(GenerationRequest.newBuilder().setJobId("demo-generation").setCount(generateCount).setSeed(0)
          .setSubmittedAtMs(System.currentTimeMillis()).build());
      o = client.await(List.of("demo-generation"), Map.of("demo-generation", generateCount), Duration.ofMinutes(10), e -> {
        bar.maxHint(Math.max(1, e.getTotalSteps()));
        bar.stepTo(e.getStep());
      }).get("demo-generation");
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    List<ContactSheet.Cell> cells = new ArrayList<>();
    o.results().stream().sorted(java.util.Comparator.comparingInt(GenerationResult::getIndex))
        .forEach(r -> cells.add(ContactSheet.uncaptioned(GenerationClient.png(r))));
    if (!cells.isEmpty()) ContactSheet.write(cells, 8, 3, out.resolve("generated.png"));
    Map<String, Object> g = new LinkedHashMap<>();
    g.put("generation_state", o.events().isEmpty() ? "NO_ANSWER" : o.last().getState().toString());
    g.put("generation_images", o.results().size());
    g.put("generation_steps", o.events().isEmpty() ? 0 : o.last().getTotalSteps());
    g.put("generation_seconds", seconds);
    g.put("generation_ips", o.results().size() / seconds);
    return g;
  }

  @Option(names = "--keep-running", description = "keep the embedded stack (and its console) up after the demo, until Ctrl-C")
  boolean keepRunning;

  @Option(names = "--console-port", defaultValue = "0", description = "port of the status service and console (default: a free one)")
  int consolePort;

  @Option(names = "--metrics-port", defaultValue = "0", description = "port of /metrics, /health, /ready (default: a free one)")
  int metricsPort;

  @Option(names = "--generate", defaultValue = "64", description = "images to generate (default: ${DEFAULT-VALUE})")
  int generateCount;

  /** Latency without queueing: a second, paced round of requests. */
  private static final int PACED_IMAGES = 200;
  private static final double PACED_RATE = 40;

  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
}
