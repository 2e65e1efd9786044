package dev.addp.workers.recognition;

import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.kafka.TransactionalOutput;
import dev.addp.workers.lifecycle.FaultCounts;
import dev.addp.workers.lifecycle.FaultSettings;
import dev.addp.workers.lifecycle.Rewind;
import dev.addp.workers.lifecycle.WorkerClients;
import dev.addp.workers.lifecycle.WorkerLifecycle;
import dev.addp.workers.lifecycle.WorkerService;
import dev.addp.workers.lifecycle.WorkerRole;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * recognition requests → (decode in parallel) → batch → the model (one run, the heads the batch needs) → results + dead letters, with
 * the consumed offsets committed in the same Kafka transaction as the records they produced.
 *
 * <p>Three stages overlap: the {@link BatchAssembler} decodes on a pool and forms batches; the
 * {@link BatchInference} runs the model and builds the output records on its own thread; the
 * {@link OrderedCommitter} commits finished batches in order from the polling thread while the model
 * works on the next one. A crash before a commit leaves the batch uncommitted and it is processed
 * again; a commit never covers a record without its result. The loop, the fault policy and shutdown
 * are the {@link WorkerLifecycle}'s.
 */
public final class RecognitionWorker implements WorkerService.Worker {
  private final WorkerLifecycle lifecycle;
  private final WorkerStats stats = new WorkerStats();
  private final FaultCounts faultCounts = new FaultCounts();
  private final String groupId;

  public RecognitionWorker(KafkaClients clients, AvroSerdes serdes, RecognitionModel model, BatchPolicy policy,
                           ImageDecoder decoder, String workerId, ExecutorService decodePool) {
    Topics topics = Topics.from(clients.config());
    FaultSettings faults = FaultSettings.from(clients.config());
    BatchInference inference = new BatchInference(model, policy.maxBatch(), topics, serdes,
        faults.deadLetters("recognition", workerId), workerId, stats);
    BatchAssembler assembler = new BatchAssembler(new RecordPreparer(serdes.imageRequest(), decoder, model), decodePool, policy);
    // a routed model's workers read its own requests topic, as their own group; the default model's, the shared one
    String name = model.lineage().getName();
    String requests = topics.recognitionRequestsFor(name);
    ClientIds ids = ClientIds.from(clients.config());
    String group = topics.routedModels().contains(name) ? ids.recognitionGroupFor(name) : ids.recognitionGroup();
    Role role = new Role(assembler, new OrderedCommitter(inference, stats), policy, model, workerId, requests, stats);
    this.groupId = group;
    this.lifecycle = new WorkerLifecycle("recognition", group, workerId, WorkerClients.of(clients), topics.prefix(), requests,
        policy.maxInFlight(), faults, faultCounts, role);
  }

  public WorkerStats stats() { return stats; }

  /** The consumer group this worker reads in (a routed model's own, or the shared one). */
  public String groupId() { return groupId; }

  public FaultCounts faultCounts() { return faultCounts; }

  /** Waits until the worker owns partitions (it has joined its consumer group). */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException { return lifecycle.awaitAssignment(timeout); }

  /** Why the worker stopped on its own (a fatal error), or null. */
  public String failure() { return lifecycle.failure(); }

  @Override
  public void run() { lifecycle.run(); }

  /** Stops polling, finishes the records already read (bounded), commits, and closes the clients. */
  @Override
  public void close() { lifecycle.close(); }

  /** Polls into the assembler, starts due batches, commits finished ones; pauses at the in-flight limit. */
  private static final class Role implements WorkerRole {
    private static final Logger log = LoggerFactory.getLogger(RecognitionWorker.class);
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
    /** Poll timeout while a batch is open, so a finished batch is committed without waiting out an idle poll. */
    private static final long OPEN_BATCH_POLL_MS = 1;

    private final BatchAssembler assembler;
    private final OrderedCommitter committer;
    private final BatchPolicy policy;
    private final RecognitionModel model;
    private final String workerId;
    private final WorkerStats stats;
    private final String requests;
    private Consumer<byte[], byte[]> consumer;
    private TransactionalOutput output;
    private boolean paused;

    Role(BatchAssembler assembler, OrderedCommitter committer, BatchPolicy policy, RecognitionModel model, String workerId,
         String requests, WorkerStats stats) {
      this.stats = stats;
      this.assembler = assembler;
      this.committer = committer;
      this.policy = policy;
      this.model = model;
      this.workerId = workerId;
      this.requests = requests;
    }

    @Override
    public void open(Consumer<byte[], byte[]> consumer, TransactionalOutput output) {
      this.consumer = consumer;
      this.output = output;
      log.info("recognition worker {} running {} {} ({}) on {}, reading {}", workerId, model.lineage().getName(),
          model.lineage().getVersion(), model.tasks(), model.provider(), requests);
    }

    @Override
    public long pollTimeoutMs() {
      long timeout = assembler.pollTimeoutMs();
      return committer.isEmpty() ? timeout : Math.min(timeout, OPEN_BATCH_POLL_MS);
    }

    @Override
    public void handle(ConsumerRecords<byte[], byte[]> records) {
      for (ConsumerRecord<byte[], byte[]> r : records) assembler.add(r);
      applyBackpressure();
      while (!committer.isFull() && assembler.due()) committer.submit(assembler.take());
      committer.commitFinished(output, consumer, committer.isFull());
    }

    @Override
    public void rewindToLastCommit() {
      committer.abandonAll();
      assembler.clear();
      Rewind.toLastCommit(consumer);
    }

    @Override
    public void drain() {
      long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
      while ((!assembler.isEmpty() || !committer.isEmpty()) && System.nanoTime() < deadline) {
        if (!assembler.isEmpty() && !committer.isFull()) committer.submit(assembler.take());
        else committer.commitFinished(output, consumer, true);
      }
      int left = assembler.size() + committer.openRecords();
      if (left > 0) log.warn("{} records left uncommitted at shutdown; they will be processed again", left);
      log.info("recognition worker {} stopping: {} results, {} dead letters, reading paused {} times, at most {} records held",
          workerId, stats.results.get(), stats.deadLetters.get(), stats.pauses.get(), stats.peakHeld.get());
      committer.abandonAll();
    }

    @Override
    public void release() { committer.close(); }

    private void applyBackpressure() {
      stats.peakHeld.accumulateAndGet(assembler.size() + committer.openRecords(), Math::max);
      if (!paused && policy.shouldPause(assembler.size())) {
        consumer.pause(consumer.assignment());
        paused = true;
        if (stats.pauses.incrementAndGet() == 1) {
          log.info("recognition worker {} paused reading at {} waiting records (the in-flight limit); it resumes below half of it",
              workerId, assembler.size());
        }
        stats.metrics.paused(consumer.paused().size());
      } else if (paused && policy.shouldResume(assembler.size())) {
        consumer.resume(consumer.paused());
        paused = false;
        stats.metrics.paused(0);
      }
    }

    /** Before partitions leave: commit what the model already answered while the group still lets this worker commit. */
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      while (!committer.isEmpty()) committer.commitFinished(output, consumer, true);
      assembler.drop(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (paused) consumer.pause(partitions);
    }

    /** The group moved on without this worker: it may no longer commit; the new owners re-read the lost partitions. */
    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      List<PendingRecord> abandoned = committer.abandonAll();
      assembler.drop(partitions);
      Map<TopicPartition, Long> first = new HashMap<>();
      for (PendingRecord p : abandoned) if (!partitions.contains(p.partition())) first.merge(p.partition(), p.record().offset(), Math::min);
      assembler.dropFrom(first); // what was read after the abandoned batches is read again after them
      first.forEach((tp, offset) -> {
        if (consumer.assignment().contains(tp)) consumer.seek(tp, offset);
      });
    }
  }
}
