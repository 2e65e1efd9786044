package dev.addp.workers.generation.jobs;

import ai.onnxruntime.OrtException;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.lifecycle.FaultCounts;
import dev.addp.workers.lifecycle.FaultSettings;
import dev.addp.workers.lifecycle.WorkerClients;
import dev.addp.workers.lifecycle.WorkerLifecycle;
import dev.addp.workers.lifecycle.WorkerService;
import java.time.Duration;

/**
 * Generation jobs over Kafka: requests → (continuous batching across jobs, one loop step at a time)
 * → progress events and, when a job is done, all its images plus its SUCCEEDED event.
 *
 * <p>Exactly once: a job's results and terminal event are written in one transaction together with
 * the request offsets, and a request offset is committed only once every job before it in its
 * partition has ended. A worker that dies mid-job leaves that job uncommitted; the worker that takes
 * over the partition reads the job history, skips jobs that already ended, and reruns the rest as a
 * new attempt with the same seeds, hence the same images. The loop, the fault policy and shutdown
 * are the {@link WorkerLifecycle}'s; the work is the {@link GenerationRole}'s.
 */
public final class GenerationWorker implements WorkerService.Worker {
  private final WorkerLifecycle lifecycle;
  private final FaultCounts faultCounts = new FaultCounts();

  public GenerationWorker(KafkaClients clients, AvroSerdes serdes, GenerationLoop loop, String workerId, long agingMs,
                          long commitIntervalMs) throws OrtException {
    this(clients, serdes, loop, JobSpec.EditResolver.unsupported("this worker was started without edit sources"), workerId, agingMs,
        commitIntervalMs);
  }

  public GenerationWorker(KafkaClients clients, AvroSerdes serdes, GenerationLoop loop, JobSpec.EditResolver edits, String workerId,
                          long agingMs, long commitIntervalMs) throws OrtException {
    Topics topics = Topics.from(clients.config());
    FaultSettings faults = FaultSettings.from(clients.config());
    GenerationRole role = new GenerationRole(clients, serdes, loop, edits, workerId, agingMs, commitIntervalMs, faults, faultCounts);
    this.lifecycle = new WorkerLifecycle("generation", workerId, WorkerClients.of(clients), topics.prefix(), topics.generationRequests(), 64, faults,
        faultCounts, role);
  }

  public FaultCounts faultCounts() { return faultCounts; }

  public boolean awaitAssignment(Duration timeout) throws InterruptedException { return lifecycle.awaitAssignment(timeout); }

  /** Why the worker stopped on its own (a fatal error), or null. */
  public String failure() { return lifecycle.failure(); }

  @Override
  public void run() { lifecycle.run(); }

  @Override
  public void close() { lifecycle.close(); }
}
