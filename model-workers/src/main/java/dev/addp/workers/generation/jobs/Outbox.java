package dev.addp.workers.generation.jobs;

import dev.addp.avro.GenerationEvent;
import dev.addp.platform.kafka.TransactionalOutput;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What a generation worker has written since its last commit (events, results, dead letters),
 * committed in one transaction with the request offsets the {@link OffsetLedger} allows. A job's
 * end commits at once; progress and QUEUED events at most every commit interval, because every
 * transaction costs a few broker round trips that the loop waits for.
 */
final class Outbox {
  private final JobRecords records;
  private final long commitIntervalMs;
  private final LongSupplier nanoClock;
  private final List<ProducerRecord<byte[], byte[]>> pending = new ArrayList<>();
  private boolean urgent;
  private long lastCommitNanos;

  Outbox(JobRecords records, long commitIntervalMs) { this(records, commitIntervalMs, System::nanoTime); }

  /** @param nanoClock what "now" is for the commit interval: {@link System#nanoTime} except in tests */
  Outbox(JobRecords records, long commitIntervalMs, LongSupplier nanoClock) {
    this.records = records;
    this.commitIntervalMs = commitIntervalMs;
    this.nanoClock = nanoClock;
    this.lastCommitNanos = nanoClock.getAsLong();
  }

  /** A job event, on the events topic. */
  void event(GenerationEvent e) { pending.add(records.record(e)); }

  /** An event that changes what the job history knows (queued with an attempt, or ended): also to the job-state topic. */
  void stateEvent(GenerationEvent e, int requestPartition) {
    event(e);
    pending.add(records.state(e, requestPartition));
  }

  void add(ProducerRecord<byte[], byte[]> record) { pending.add(record); }

  void addAll(List<ProducerRecord<byte[], byte[]>> more) { pending.addAll(more); }

  /** Commits at the next chance, without waiting out the interval (a job ended, a request was answered). */
  void commitSoon() { urgent = true; }

  List<ProducerRecord<byte[], byte[]>> pending() { return List.copyOf(pending); }

  /** Whether to commit now: something ended, or the interval passed and there is something to commit. */
  boolean due(boolean offsetsMoved) {
    boolean intervalPassed = (nanoClock.getAsLong() - lastCommitNanos) / 1_000_000 >= commitIntervalMs;
    return urgent || (intervalPassed && (!pending.isEmpty() || offsetsMoved));
  }

  /**
   * One transaction: every pending record plus {@code offsets}; false when there was nothing to
   * commit. A failure propagates with everything still pending: the worker rewinds to the last
   * commit and {@link #reset}s.
   */
  boolean commit(TransactionalOutput output, Map<TopicPartition, OffsetAndMetadata> offsets, ConsumerGroupMetadata group) {
    if (pending.isEmpty() && offsets.isEmpty()) return false;
    output.commit(pending, offsets, group);
    pending.clear();
    urgent = false;
    lastCommitNanos = nanoClock.getAsLong();
    return true;
  }

  /** Drops the pending records (their partitions were lost: the new owner writes them again). */
  void discard() { pending.clear(); }

  /** Drops everything since the last commit (it is redone after the rewind). */
  void reset() {
    pending.clear();
    urgent = false;
  }
}
