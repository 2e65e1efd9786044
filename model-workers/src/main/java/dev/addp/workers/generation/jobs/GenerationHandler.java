package dev.addp.workers.generation.jobs;

import dev.addp.platform.config.Settings;
import ai.onnxruntime.OrtException;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.kafka.TransactionalOutput;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.lifecycle.FaultCounts;
import dev.addp.workers.lifecycle.FaultSettings;
import dev.addp.workers.lifecycle.RecordHandler;
import dev.addp.workers.lifecycle.Rewind;
import dev.addp.workers.metrics.GenerationMetrics;
import java.util.Collection;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a generation worker does with the requests it polls: requests → jobs ({@link JobIntake}) →
 * one loop step at a time across all jobs ({@link StepRunner}) → progress events and, when a job is
 * done, all its images plus its SUCCEEDED event, committed through the {@link Outbox} with the
 * request offsets the {@link OffsetLedger} allows.
 *
 * <p>Exactly once: a job's results and terminal event are written in one transaction together with
 * the request offsets, and a request offset is committed only once every job before it in its
 * partition has ended. A worker that dies mid-job leaves that job uncommitted; the worker that takes
 * over the partition reads the job history, skips jobs that already ended, and reruns the rest as a
 * new attempt with the same seeds, hence the same images.
 */
final class GenerationHandler implements RecordHandler {
  private static final Logger log = LoggerFactory.getLogger(GenerationHandler.class);

  private final KafkaClients clients;
  private final AvroSerdes serdes;
  private final String workerId;
  private final String running;
  private final JobScheduler scheduler;
  private final JobIntake intake;
  private final StepRunner runner;
  private final OffsetLedger ledger;
  private final Outbox outbox;
  private final GenerationMetrics metrics;
  private CancelWatcher cancels;
  private Consumer<byte[], byte[]> consumer;
  private TransactionalOutput output;
  private long commitNanos;
  private long loopNanos;

  /**
   * @param clients what the cancel watcher reads the control topic with
   * @param running what the worker runs, for its first log line
   */
  GenerationHandler(KafkaClients clients, AvroSerdes serdes, String workerId, String running, JobScheduler scheduler,
                    JobIntake intake, StepRunner runner, OffsetLedger ledger, Outbox outbox, GenerationMetrics metrics) {
    this.clients = clients;
    this.serdes = serdes;
    this.workerId = workerId;
    this.running = running;
    this.scheduler = scheduler;
    this.intake = intake;
    this.runner = runner;
    this.ledger = ledger;
    this.outbox = outbox;
    this.metrics = metrics;
  }

  /** The handler and its parts for {@code loop}'s model, reporting to the clients' metrics when they have some. */
  static GenerationHandler create(KafkaClients clients, AvroSerdes serdes, GenerationLoop loop, String workerId, long agingMs,
                                  long commitIntervalMs, FaultSettings faults, FaultCounts faultCounts) throws OrtException {
    return create(clients, serdes, loop, JobSpec.EditResolver.unsupported("this worker has no edit sources"), workerId, agingMs,
        commitIntervalMs, faults, faultCounts);
  }

  /** As above; {@code edits} turns an edit request's source and region into tokens. */
  static GenerationHandler create(KafkaClients clients, AvroSerdes serdes, GenerationLoop loop, JobSpec.EditResolver edits, String workerId,
                                  long agingMs, long commitIntervalMs, FaultSettings faults, FaultCounts faultCounts) throws OrtException {
    Topics topics = Topics.from(clients.config());
    var model = loop.model();
    GenerationMetrics metrics = clients.metrics() == null ? GenerationMetrics.none(model.lineage(), loop.maxBatch())
        : new GenerationMetrics(clients.metrics().registry(), model.lineage(), loop.maxBatch(), topics.prefix() + "generation-workers");
    JobScheduler scheduler = new JobScheduler(loop.maxBatch(), agingMs);
    JobRecords records = new JobRecords(topics, serdes, model.lineage(), model.imageShape(), workerId);
    OffsetLedger ledger = new OffsetLedger();
    Outbox outbox = new Outbox(records, commitIntervalMs);
    JobIntake intake = new JobIntake(serdes, topics, faults.deadLetters("generation", workerId), model.manifest(), edits, faults.registryBackoff(),
        faultCounts, new JobIntake.Parts(scheduler, new JobHistory(clients, serdes), ledger, outbox, records, metrics),
        clients.config().getInt(Settings.GENERATION_MAX_JOBS, JobIntake.DEFAULT_MAX_JOBS));
    StepRunner runner = new StepRunner(loop, scheduler, intake, outbox, records, metrics);
    String running = model.lineage().getName() + " " + model.lineage().getVersion() + " on " + model.provider() + ", batch " + loop.maxBatch();
    return new GenerationHandler(clients, serdes, workerId, running, scheduler, intake, runner, ledger, outbox, metrics);
  }

  @Override
  public void open(Consumer<byte[], byte[]> consumer, TransactionalOutput output) {
    this.consumer = consumer;
    this.output = output;
    cancels = new CancelWatcher(clients, serdes, runner::onCancel).start();
    runner.watch(cancels);
    log.info("generation worker {} running {}", workerId, running);
  }

  @Override
  public long pollTimeoutMs() { return scheduler.isEmpty() ? 100 : 0; }

  @Override
  public void handle(ConsumerRecords<byte[], byte[]> polled) {
    intake.take(polled, consumer);
    long t0 = System.nanoTime();
    int stepped = runner.runOnce();
    long t1 = System.nanoTime();
    if (outbox.due(ledger.moved())) commit();
    commitNanos += System.nanoTime() - t1;
    if (stepped > 0) loopNanos += System.nanoTime() - t0;
    metrics.active(scheduler.jobs());
  }

  @Override
  public void rewindToLastCommit() {
    outbox.reset();
    intake.rewind(consumer);
    Rewind.toLastCommit(consumer);
  }

  @Override
  public void drain() {
    log.info("generation worker {}: {}, commits {} ms, busy loop {} ms", workerId, runner.summary(), commitNanos / 1_000_000,
        loopNanos / 1_000_000);
    commit();
  }

  @Override
  public void release() {
    try {
      if (cancels != null) cancels.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    runner.close();
  }

  /** One transaction: every pending event and result, plus the request offsets that are now safe to commit. */
  private void commit() {
    // a failure: the worker rewinds to the last commit and retries
    if (outbox.commit(output, ledger.committable(consumer.assignment()), consumer.groupMetadata())) ledger.committed();
  }

  // Before partitions leave: commit what this worker finished, then forget their jobs (the next
  // owner reruns the unfinished ones). After partitions arrive: read the job history.

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) return;
    log.info("generation worker {} hands over {}", workerId, partitions);
    commit();
    intake.forget(partitions);
  }

  @Override
  public void onPartitionsLost(Collection<TopicPartition> partitions) {
    outbox.discard();
    intake.forget(partitions);
  }

  @Override
  public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
    if (partitions.isEmpty()) return;
    commit(); // what this worker decided on the partitions it keeps is committed before it reads the new ones
    intake.loadHistory(partitions); // only the partitions that arrived: what it knows of the others stays
  }
}
