package dev.addp.workers.recognition;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.image.ImageLimits;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.metrics.Metrics;
import dev.addp.workers.lifecycle.WorkerService;
import dev.addp.workers.metrics.RecognitionMetrics;
import dev.addp.workers.onnx.Device;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A recognition worker with its model session, decode pool and thread, built from the configuration. */
public final class RecognitionService extends WorkerService {
  public static final String DEFAULT_MODEL_DIR = "models/zoo/addp-fmnist";

  private final RecognitionModel model;
  private final ExecutorService decodePool;
  private final RecognitionWorker worker;

  private RecognitionService(RecognitionModel model, ExecutorService decodePool, RecognitionWorker worker) {
    super("recognition", worker);
    this.model = model;
    this.decodePool = decodePool;
    this.worker = worker;
  }

  public static RecognitionService start(AddpConfig config) throws Exception { return start(config, null); }

  /** As {@link #start(AddpConfig)}, reporting to {@code metrics} (its Kafka clients' own metrics too) when given. */
  public static RecognitionService start(AddpConfig config, Metrics metrics) throws Exception {
    Path modelDir = Paths.get(config.get("model.dir", DEFAULT_MODEL_DIR));
    Device device = Device.valueOf(config.get("model.device", "auto").toUpperCase(Locale.ROOT));
    int cores = Runtime.getRuntime().availableProcessors();
    // validated against the session here: a model the workers cannot serve as its manifest says stops start-up
    RecognitionModel model = new RecognitionModel(modelDir, device, config.getInt("model.intra.op.threads", cores));
    int decodeThreads = config.getInt("recognition.decode.threads", Math.max(1, cores / 2));
    ExecutorService pool = Executors.newFixedThreadPool(decodeThreads, r -> {
      Thread t = new Thread(r, "recognition-decode");
      t.setDaemon(true);
      return t;
    });
    String workerId = config.get(AddpConfig.WORKER_ID, "worker-" + UUID.randomUUID().toString().substring(0, 8));
    RecognitionWorker worker = new RecognitionWorker(new KafkaClients(config, metrics), AvroSerdes.from(config), model,
        BatchPolicy.from(config), new ImageDecoder(new ImageProbe(ImageLimits.from(config)),
        dev.addp.platform.image.PixelBudget.from(config, ImageLimits.from(config))), workerId, pool);
    if (metrics != null) {
      worker.stats().metrics = new RecognitionMetrics(metrics.registry(), model.lineage(), worker.groupId());
    }
    RecognitionService service = new RecognitionService(model, pool, worker);
    service.startWorker();
    return service;
  }

  /** The model this worker serves, with its run counters. */
  public RecognitionModel model() { return model; }

  public WorkerStats stats() { return worker.stats(); }

  @Override
  protected void closeResources() throws Exception {
    decodePool.shutdownNow();
    model.close();
  }
}
