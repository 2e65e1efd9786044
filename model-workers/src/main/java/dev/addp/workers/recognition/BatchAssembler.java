package dev.addp.workers.recognition;

import dev.addp.avro.ErrorType;
import dev.addp.schemas.registry.RegistryUnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Batch assembly: polled records start decoding on the pool at once and wait, in arrival order,
 * until the batch policy says a batch is due; a batch is then taken with every record's decode result.
 */
final class BatchAssembler {
  private final RecordPreparer preparer;
  private final ExecutorService decodePool;
  private final BatchPolicy policy;
  private final ArrayDeque<PendingRecord> pending = new ArrayDeque<>();

  /** A batch taken for the model: the records and, index for index, what decoding made of them. */
  record Taken(List<PendingRecord> records, List<Prepared> prepared) { }

  BatchAssembler(RecordPreparer preparer, ExecutorService decodePool, BatchPolicy policy) {
    this.preparer = preparer;
    this.decodePool = decodePool;
    this.policy = policy;
  }

  void add(ConsumerRecord<byte[], byte[]> r) {
    pending.add(new PendingRecord(r, decodePool.submit(() -> preparer.prepare(r)), System.nanoTime()));
  }

  int size() { return pending.size(); }

  boolean isEmpty() { return pending.isEmpty(); }

  boolean due() { return policy.due(pending.size(), oldestWaitedMs()); }

  long pollTimeoutMs() { return policy.pollTimeoutMs(pending.size(), oldestWaitedMs()); }

  /**
   * Takes up to a full batch, waiting for their decodes.
   *
   * @throws RegistryUnavailableException when a record could not be decoded for want of the registry
   *     (the records stay taken: the caller rewinds to the last commit and reads them again)
   */
  Taken take() {
    List<PendingRecord> records = new ArrayList<>();
    while (records.size() < policy.maxBatch() && !pending.isEmpty()) records.add(pending.poll());
    List<Prepared> prepared = new ArrayList<>(records.size());
    for (PendingRecord p : records) {
      Prepared pr = await(p);
      if (pr instanceof Prepared.Retry retry) {
        throw retry.error() instanceof RegistryUnavailableException r ? r
            : new RegistryUnavailableException("decoding did not finish, the records are read again: " + retry.error(), retry.error());
      }
      prepared.add(pr);
    }
    return new Taken(records, prepared);
  }

  /** Forgets the waiting records of these partitions. */
  void drop(Collection<TopicPartition> partitions) { pending.removeIf(p -> partitions.contains(p.partition())); }

  /**
   * Forgets the waiting records at or after the given offset of each partition (they will be read
   * again), lowering each offset to the earliest record forgotten on its partition.
   */
  void dropFrom(Map<TopicPartition, Long> firstOffsets) {
    pending.removeIf(p -> {
      if (!firstOffsets.containsKey(p.partition())) return false;
      firstOffsets.merge(p.partition(), p.record().offset(), Math::min);
      return true;
    });
  }

  void clear() { pending.clear(); }

  private long oldestWaitedMs() {
    PendingRecord head = pending.peek();
    return head == null ? 0 : (System.nanoTime() - head.arrivedNanos()) / 1_000_000;
  }

  private static Prepared await(PendingRecord p) {
    try {
      return p.prepared().get();
    } catch (ExecutionException e) {
      // running out of heap says nothing about the record that happened to be decoding: retried, never dead-lettered
      if (e.getCause() instanceof VirtualMachineError) return new Prepared.Retry(e.getCause());
      return new Prepared.Rejected(ErrorType.INTERNAL, e.getCause(), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Prepared.Retry(e);
    }
  }
}
