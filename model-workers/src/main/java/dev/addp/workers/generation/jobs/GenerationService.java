package dev.addp.workers.generation.jobs;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;

/** A generation worker with its model sessions and thread, built from the configuration. */
public final class GenerationService implements AutoCloseable {
  private final GenerationModel model;
  private final GenerationWorker worker;
  private final Thread thread;

  private GenerationService(GenerationModel model, GenerationWorker worker) {
    this.model = model;
    this.worker = worker;
    this.thread = new Thread(worker, "generation-worker");
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
    service.thread.start();
    return service;
  }

  public GenerationModel model() { return model; }

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

  public void awaitReady(Duration timeout) throws InterruptedException {
    if (!worker.awaitAssignment(timeout)) throw new IllegalStateException("generation worker got no partitions within " + timeout);
  }

  @Override
  public void close() throws Exception {
    worker.close();
    thread.join(60_000);
    model.close();
  }
}
