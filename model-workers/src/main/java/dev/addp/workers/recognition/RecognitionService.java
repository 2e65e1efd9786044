package dev.addp.workers.recognition;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.image.ImageLimits;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.workers.onnx.Device;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A recognition worker with its model session, decode pool and thread, built from the configuration. */
public final class RecognitionService implements AutoCloseable {
  public static final String DEFAULT_MODEL_DIR = "models/zoo/addp-fmnist";

  private final Classifier classifier;
  private final ExecutorService decodePool;
  private final RecognitionWorker worker;
  private final Thread thread;
  private boolean closed;

  private RecognitionService(Classifier classifier, ExecutorService decodePool, RecognitionWorker worker) {
    this.classifier = classifier;
    this.decodePool = decodePool;
    this.worker = worker;
    this.thread = new Thread(worker, "recognition-worker");
  }

  public static RecognitionService start(AddpConfig config) throws Exception {
    Path modelDir = Paths.get(config.get("model.dir", DEFAULT_MODEL_DIR));
    Device device = Device.valueOf(config.get("model.device", "auto").toUpperCase(Locale.ROOT));
    int cores = Runtime.getRuntime().availableProcessors();
    Classifier classifier = new Classifier(modelDir, device, config.getInt("model.intra.op.threads", cores));
    int decodeThreads = config.getInt("recognition.decode.threads", Math.max(1, cores / 2));
    ExecutorService pool = Executors.newFixedThreadPool(decodeThreads, r -> {
      Thread t = new Thread(r, "recognition-decode");
      t.setDaemon(true);
      return t;
    });
    String workerId = config.get(AddpConfig.WORKER_ID, "worker-" + UUID.randomUUID().toString().substring(0, 8));
    RecognitionWorker worker = new RecognitionWorker(new KafkaClients(config), AvroSerdes.from(config), classifier,
        BatchPolicy.from(config), new ImageDecoder(new ImageProbe(ImageLimits.from(config))), workerId, pool);
    RecognitionService service = new RecognitionService(classifier, pool, worker);
    service.thread.start();
    return service;
  }

  public Classifier classifier() { return classifier; }

  public WorkerStats stats() { return worker.stats(); }

  public boolean isAlive() { return thread.isAlive(); }

  /** Ready to serve: the model is loaded (it is, once this service exists), the thread runs and has joined its group. */
  public boolean isReady() {
    try {
      return thread.isAlive() && worker.awaitAssignment(java.time.Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public dev.addp.workers.lifecycle.FaultCounts faultCounts() { return worker.faultCounts(); }

  /** Why the worker stopped on its own (a fatal error), or null while it runs. */
  public String failure() { return worker.failure(); }

  public void awaitReady(java.time.Duration timeout) throws InterruptedException {
    if (!worker.awaitAssignment(timeout)) throw new IllegalStateException("recognition worker got no partitions within " + timeout);
  }

  @Override
  public synchronized void close() throws Exception {
    if (closed) return;
    closed = true;
    worker.close();
    thread.join(TimeUnit.SECONDS.toMillis(60));
    decodePool.shutdownNow();
    classifier.close();
  }
}
