package dev.addp.workers.recognition;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.image.ImageLimits;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.metrics.Metrics;
import dev.addp.workers.lifecycle.FaultCounts;
import dev.addp.workers.lifecycle.FaultSettings;
import dev.addp.workers.lifecycle.Worker;
import dev.addp.workers.lifecycle.WorkerClients;
import dev.addp.workers.lifecycle.WorkerService;
import dev.addp.workers.metrics.RecognitionMetrics;
import dev.addp.workers.onnx.Device;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A recognition worker with its model session, decode pool and thread, built from the configuration:
 * a {@link Worker} whose {@link RecognitionHandler} decodes, batches, runs the model and commits.
 */
public final class RecognitionService extends WorkerService {
  public static final String DEFAULT_MODEL_DIR = "models/zoo/addp-fmnist";

  private final RecognitionModel model;
  private final ExecutorService decodePool;
  private final WorkerStats stats;

  private RecognitionService(RecognitionModel model, ExecutorService decodePool, Worker worker, WorkerStats stats) {
    super("recognition", worker);
    this.model = model;
    this.decodePool = decodePool;
    this.stats = stats;
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
    KafkaClients clients = new KafkaClients(config, metrics);
    AvroSerdes serdes = AvroSerdes.from(config);
    Topics topics = Topics.from(config);
    FaultSettings faults = FaultSettings.from(config);
    BatchPolicy policy = BatchPolicy.from(config);
    WorkerStats stats = new WorkerStats();
    // a routed model's workers read its own requests topic, as their own group; the default model's, the shared one
    String name = model.lineage().getName();
    String requests = topics.recognitionRequestsFor(name);
    ClientIds ids = ClientIds.from(config);
    String group = topics.routedModels().contains(name) ? ids.recognitionGroupFor(name) : ids.recognitionGroup();
    if (metrics != null) stats.metrics = new RecognitionMetrics(metrics.registry(), model.lineage(), group);
    BatchInference inference = new BatchInference(model, policy.maxBatch(), topics, serdes,
        faults.deadLetters("recognition", workerId), workerId, stats);
    ImageDecoder decoder = new ImageDecoder(new ImageProbe(ImageLimits.from(config)),
        dev.addp.platform.image.PixelBudget.from(config, ImageLimits.from(config)));
    BatchAssembler assembler = new BatchAssembler(new RecordPreparer(serdes.imageRequest(), decoder, model), pool, policy);
    RecognitionHandler handler = new RecognitionHandler(assembler, new OrderedCommitter(inference, stats), policy, model, workerId,
        requests, stats);
    Worker worker = new Worker("recognition", group, workerId, WorkerClients.of(clients), topics.prefix(), requests,
        policy.maxInFlight(), faults, new FaultCounts(), handler);
    RecognitionService service = new RecognitionService(model, pool, worker, stats);
    service.startWorker();
    return service;
  }

  /** The model this worker serves, with its run counters. */
  public RecognitionModel model() { return model; }

  public WorkerStats stats() { return stats; }

  @Override
  protected void closeResources() throws Exception {
    decodePool.shutdownNow();
    model.close();
  }
}
