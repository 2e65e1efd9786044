package dev.addp.workers.recognition;

import dev.addp.platform.kafka.TransactionalOutput;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ordered transactional committer: batches go to the model (one inference thread, at most
 * {@value #MAX_OPEN_BATCHES} open), and are committed strictly oldest first, each in one
 * transaction with the input offsets it answers, while the model works on the next one. A commit
 * never covers a record without its output, and offsets only ever advance in order.
 */
final class OrderedCommitter {
  private static final Logger log = LoggerFactory.getLogger(OrderedCommitter.class);
  /** Batches between "taken for the model" and "committed": one in the model, one queued behind it. */
  static final int MAX_OPEN_BATCHES = 2;

  private final InferenceStage inference;
  private final WorkerStats stats;
  private final ExecutorService modelThread;
  private final ArrayDeque<Open> open = new ArrayDeque<>();

  /** A batch taken for the model and its output once the model ran. */
  private record Open(BatchAssembler.Taken batch, Future<List<ProducerRecord<byte[], byte[]>>> output) { }

  OrderedCommitter(InferenceStage inference, WorkerStats stats) {
    this.inference = inference;
    this.stats = stats;
    this.modelThread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "recognition-inference");
      t.setDaemon(true);
      return t;
    });
  }

  WorkerStats stats() { return stats; }

  boolean isFull() { return open.size() >= MAX_OPEN_BATCHES; }

  boolean isEmpty() { return open.isEmpty(); }

  int openRecords() { return open.stream().mapToInt(o -> o.batch().records().size()).sum(); }

  /** Queues the batch for the model. */
  void submit(BatchAssembler.Taken batch) {
    long batchStartMs = System.currentTimeMillis();
    open.add(new Open(batch, modelThread.submit(() -> inference.run(batch.records(), batch.prepared(), batchStartMs))));
  }

  /**
   * Commits the open batches whose output is ready, oldest first; with {@code waitForOldest} it
   * first waits for the oldest one.
   *
   * @throws RuntimeException what the model thread or the transaction failed with (the transaction
   *     is aborted; the caller rewinds to the last commit)
   */
  void commitFinished(TransactionalOutput output, Consumer<?, ?> consumer, boolean waitForOldest) {
    while (!open.isEmpty() && (waitForOldest || open.peek().output().isDone())) {
      waitForOldest = false;
      Open batch = open.peek();
      List<ProducerRecord<byte[], byte[]>> out;
      try {
        out = batch.output().get();
      } catch (ExecutionException e) {
        throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new org.apache.kafka.common.errors.InterruptException(e);
      }
      try {
        output.commit(out, offsetsAfter(batch.batch().records()), consumer.groupMetadata());
      } catch (KafkaException e) {
        stats.abortedTransactions.incrementAndGet();
        stats.metrics.abortedTransaction();
        throw e;
      }
      open.poll();
      int answered = 0;
      for (Prepared p : batch.batch().prepared()) {
        if (p instanceof Prepared.Ready r) {
          stats.results.incrementAndGet();
          stats.metrics.answered(r.request().getSubmittedAtMs());
          answered++;
        } else {
          stats.deadLetters.incrementAndGet();
          stats.metrics.failed(((Prepared.Rejected) p).type());
        }
      }
      stats.batches.incrementAndGet();
      stats.metrics.committed(batch.batch().prepared().size(), answered);
    }
  }

  /**
   * Drops every open batch (a queued one never runs; one already in the model finishes on the
   * inference thread and its output is discarded) and returns their records, oldest first.
   */
  List<PendingRecord> abandonAll() {
    List<PendingRecord> records = new ArrayList<>();
    for (Open b : open) {
      b.output().cancel(false);
      records.addAll(b.batch().records());
    }
    open.clear();
    return records;
  }

  /** Stops the model thread, waiting (bounded) for a run in progress. */
  void close() {
    modelThread.shutdownNow();
    try {
      if (!modelThread.awaitTermination(30, TimeUnit.SECONDS)) log.warn("the model is still running at shutdown");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Map<TopicPartition, OffsetAndMetadata> offsetsAfter(List<PendingRecord> batch) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (PendingRecord p : batch) {
      offsets.merge(p.partition(), new OffsetAndMetadata(p.record().offset() + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    return offsets;
  }
}
