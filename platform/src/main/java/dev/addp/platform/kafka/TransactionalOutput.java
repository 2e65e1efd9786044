package dev.addp.platform.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a worker's output records and the input offsets they answer in one Kafka transaction, so
 * a consumer reading read_committed sees either both or neither. The group metadata makes the
 * coordinator refuse the offsets of a worker that no longer owns the partitions.
 *
 * <p>A producer that can no longer abort (its transaction manager is in a fatal state: an
 * out-of-order sequence, or the epoch bump after a batch timed out while a broker was down) is
 * replaced by a new one with the same transactional id, whose {@code initTransactions} aborts
 * whatever the old one left open; the worker then reads its input again, as after any abort.
 */
public final class TransactionalOutput implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TransactionalOutput.class);

  private final Supplier<Producer<byte[], byte[]>> producers;
  private Producer<byte[], byte[]> producer;
  private boolean initialised;
  private int replaced;

  /** @param producers makes a transactional producer (all with the same transactional id); called again to replace one */
  public TransactionalOutput(Supplier<Producer<byte[], byte[]>> producers) {
    this.producers = producers;
    this.producer = producers.get();
    initialise(); // fences an older instance with the same id and aborts what it left open
  }

  /**
   * @throws ProducerFencedException when a newer instance took over (fatal: stop this worker)
   * @throws KafkaException for any other failure, after the transaction was aborted (the input can
   *     be read again); an old producer epoch after a coordinator moved is one of these
   */
  public void commit(List<ProducerRecord<byte[], byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets,
                     ConsumerGroupMetadata group) {
    if (!initialised) initialise(); // a replacement whose first initTransactions failed: try again
    producer.beginTransaction();
    try {
      for (ProducerRecord<byte[], byte[]> r : records) producer.send(r);
      if (!offsets.isEmpty()) producer.sendOffsetsToTransaction(offsets, group);
      producer.commitTransaction();
    } catch (ProducerFencedException e) {
      throw e;
    } catch (KafkaException e) {
      abortOrReplace(e);
      throw e;
    }
  }

  /** How many times the producer was replaced (a fatal producer state, cured without stopping the worker). */
  public int producersReplaced() { return replaced; }

  private void abortOrReplace(KafkaException e) {
    if (!causedBy(e, OutOfOrderSequenceException.class)) { // the javadoc: fatal for a transactional producer
      try {
        producer.abortTransaction();
        return;
      } catch (KafkaException abortFailed) {
        e.addSuppressed(abortFailed);
      }
    }
    log.warn("transactional producer unusable ({}): replacing it", e.toString());
    closeQuietly(producer);
    producer = producers.get();
    replaced++;
    initialised = false;
    try {
      initialise();
    } catch (KafkaException initFailed) {
      e.addSuppressed(initFailed); // retried at the next commit
    }
  }

  private void initialise() {
    producer.initTransactions();
    initialised = true;
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) return true;
    }
    return false;
  }

  private static void closeQuietly(Producer<byte[], byte[]> p) {
    try {
      p.close(Duration.ZERO);
    } catch (RuntimeException ignored) {
      // an unusable producer: nothing it could still say matters
    }
  }

  @Override
  public void close() { producer.close(Duration.ofSeconds(5)); }
}
