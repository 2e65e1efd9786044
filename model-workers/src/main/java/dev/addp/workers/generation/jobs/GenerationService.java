package dev.addp.workers.generation.jobs;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.image.ImageLimits;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.image.ImageSource;
import dev.addp.platform.image.PixelBudget;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.generation.edit.EditSources;
import dev.addp.workers.generation.edit.ImageTokenizer;
import dev.addp.workers.lifecycle.FaultCounts;
import dev.addp.workers.lifecycle.FaultSettings;
import dev.addp.workers.lifecycle.Worker;
import dev.addp.workers.lifecycle.WorkerClients;
import dev.addp.workers.lifecycle.WorkerService;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.ImageDecoder;
import java.nio.file.Path;
import java.util.Locale;
import java.util.UUID;

/**
 * A generation worker with its model sessions and thread, built from the configuration: a
 * {@link Worker} reading the generation requests, whose {@link GenerationHandler} runs the jobs.
 */
public final class GenerationService extends WorkerService {
  /** Requests read per poll. */
  private static final int MAX_POLL_RECORDS = 64;

  private final GenerationModel model;
  private final ImageTokenizer tokenizer;

  private GenerationService(GenerationModel model, ImageTokenizer tokenizer, Worker worker) {
    super("generation", worker);
    this.model = model;
    this.tokenizer = tokenizer;
  }

  public static GenerationService start(AddpConfig config) throws Exception { return start(config, null); }

  /** As {@link #start(AddpConfig)}, reporting to {@code metrics} (its Kafka clients' own metrics too) when given. */
  public static GenerationService start(AddpConfig config, dev.addp.platform.metrics.Metrics metrics) throws Exception {
    Path modelDir = Path.of(config.get(Settings.MODEL_DIR));
    Device device = Device.valueOf(config.get(Settings.MODEL_DEVICE).toUpperCase(Locale.ROOT));
    int threads = config.getInt(Settings.MODEL_INTRA_OP_THREADS, Runtime.getRuntime().availableProcessors());
    GenerationModel model = new GenerationModel(modelDir, device, threads);
    ImageTokenizer tokenizer = null;
    JobSpec.EditResolver edits = JobSpec.EditResolver.unsupported("model " + model.manifest().name() + " declares no tokenizer graph");
    try {
      if (ImageTokenizer.declared(model.manifest())) {
        tokenizer = new ImageTokenizer(modelDir, model.manifest(), device, threads);
        edits = new EditSources(ImageSource.from(config), new ImageDecoder(new ImageProbe(ImageLimits.from(config)),
            PixelBudget.from(config, ImageLimits.from(config))), model.manifest(), tokenizer);
      }
    } catch (Exception e) {
      model.close();
      throw e;
    }
    GenerationLoop loop = new GenerationLoop(model, config.getInt(Settings.GENERATION_BATCH_SIZE));
    String workerId = config.get(AddpConfig.WORKER_ID, "worker-" + UUID.randomUUID().toString().substring(0, 8));
    KafkaClients clients = new KafkaClients(config, metrics);
    Topics topics = Topics.from(config);
    FaultSettings faults = FaultSettings.from(config);
    FaultCounts faultCounts = new FaultCounts();
    GenerationHandler handler = GenerationHandler.create(clients, AvroSerdes.from(config), loop, edits, workerId,
        config.getLong(Settings.GENERATION_AGING_MS), config.getLong(Settings.GENERATION_COMMIT_INTERVAL_MS), faults, faultCounts);
    Worker worker = new Worker("generation", workerId, WorkerClients.of(clients), topics.prefix(), topics.generationRequests(),
        MAX_POLL_RECORDS, faults, faultCounts, handler);
    GenerationService service = new GenerationService(model, tokenizer, worker);
    service.startWorker();
    return service;
  }

  public GenerationModel model() { return model; }

  @Override
  protected void closeResources() throws Exception {
    model.close();
    if (tokenizer != null) tokenizer.close();
  }
}
