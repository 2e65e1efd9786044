package dev.addp.workers.generation.jobs;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which request offsets a generation worker may commit. A request that became a job holds its
 * partition's commit point at its own offset until the job ends, so a job still running (or
 * queued) is read again by whoever owns the partition after a crash; a request answered at once
 * (a dead letter, an invalid job, a duplicate) only moves the position past itself. No Kafka here:
 * the outbox commits what {@link #committable} says, in the same transaction as the jobs' records.
 */
final class OffsetLedger {
  private final Map<TopicPartition, TreeSet<Long>> openJobs = new HashMap<>();
  private final Map<TopicPartition, Long> positions = new HashMap<>();
  private boolean moved;

  /** The request at {@code offset} was read: the partition's position is now just after it. */
  void read(TopicPartition tp, long offset) {
    positions.put(tp, offset + 1);
    moved = true;
  }

  /** The request at {@code offset} is a job that has not ended: nothing from it on may be committed. */
  void open(TopicPartition tp, long offset) { openJobs.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset); }

  /** The job requested at {@code offset} ended (its end is in the same transaction as the next commit). */
  void close(TopicPartition tp, long offset) {
    TreeSet<Long> open = openJobs.get(tp);
    if (open != null) open.remove(offset);
  }

  /** Whether a position moved since the last commit. */
  boolean moved() { return moved; }

  /** Per assigned partition: the oldest open job's offset, or else the position after the last request read. */
  Map<TopicPartition, OffsetAndMetadata> committable(Collection<TopicPartition> assignment) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (TopicPartition tp : assignment) {
      TreeSet<Long> open = openJobs.get(tp);
      Long next = open != null && !open.isEmpty() ? open.first() : positions.get(tp);
      if (next != null) offsets.put(tp, new OffsetAndMetadata(next));
    }
    return offsets;
  }

  /** What {@link #committable} returned is committed. */
  void committed() { moved = false; }

  /** Forgets partitions this worker no longer owns. */
  void forget(Collection<TopicPartition> partitions) {
    partitions.forEach(openJobs::remove);
    partitions.forEach(positions::remove);
  }

  /** Forgets everything since the last commit (the input is read again from there). */
  void clear() {
    openJobs.clear();
    positions.clear();
    moved = false;
  }
}
