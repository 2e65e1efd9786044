package dev.addp.workers.generation.jobs;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.lifecycle.WorkerService;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.file.Path;
import java.util.Locale;
import java.util.UUID;

/** A generation worker with its model sessions and thread, built from the configuration. */
public final class GenerationService extends WorkerService {
  private final GenerationModel model;

  private GenerationService(GenerationModel model, GenerationWorker worker) {
    super("generation", worker);
    this.model = model;
  }

  public static GenerationService start(AddpConfig config) throws Exception { return start(config, null); }

  /** As {@link #start(AddpConfig)}, reporting to {@code metrics} (its Kafka clients' own metrics too) when given. */
  public static GenerationService start(AddpConfig config, dev.addp.platform.metrics.Metrics metrics) throws Exception {
    Path modelDir = Path.of(config.get("model.dir", RecognitionService.DEFAULT_MODEL_DIR));
    Device device = Device.valueOf(config.get("model.device", "auto").toUpperCase(Locale.ROOT));
    GenerationModel model = new GenerationModel(modelDir, device,
        config.getInt("model.intra.op.threads", Runtime.getRuntime().availableProcessors()));
    GenerationLoop loop = new GenerationLoop(model, config.getInt("generation.batch.size", 64));
    String workerId = config.get(AddpConfig.WORKER_ID, "worker-" + UUID.randomUUID().toString().substring(0, 8));
    GenerationWorker worker = new GenerationWorker(new KafkaClients(config, metrics), AvroSerdes.from(config), loop, workerId,
        config.getLong("generation.aging.ms", 10_000), config.getLong("generation.commit.interval.ms", 1000));
    GenerationService service = new GenerationService(model, worker);
    service.startWorker();
    return service;
  }

  public GenerationModel model() { return model; }

  @Override
  protected void closeResources() throws Exception { model.close(); }
}
