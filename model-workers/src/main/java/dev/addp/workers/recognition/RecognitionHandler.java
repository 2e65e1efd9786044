package dev.addp.workers.recognition;

import dev.addp.platform.kafka.TransactionalOutput;
import dev.addp.workers.lifecycle.RecordHandler;
import dev.addp.workers.lifecycle.Rewind;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a recognition worker does with the records it polls: recognition requests → (decode in
 * parallel) → batch → the model (one run, the heads the batch needs) → results + dead letters, with
 * the consumed offsets committed in the same Kafka transaction as the records they produced.
 *
 * <p>Three stages overlap: the {@link BatchAssembler} decodes on a pool and forms batches; the
 * {@link BatchInference} runs the model and builds the output records on its own thread; the
 * {@link OrderedCommitter} commits finished batches in order from the polling thread while the model
 * works on the next one. A crash before a commit leaves the batch uncommitted and it is processed
 * again; a commit never covers a record without its result. Reading pauses at the in-flight limit.
 */
final class RecognitionHandler implements RecordHandler {
  private static final Logger log = LoggerFactory.getLogger(RecognitionHandler.class);
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

  RecognitionHandler(BatchAssembler assembler, OrderedCommitter committer, BatchPolicy policy, RecognitionModel model, String workerId,
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
