package dev.addp.platform.kafka;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;

/**
 * Writes a worker's output records and the input offsets they answer in one Kafka transaction, so
 * a consumer reading read_committed sees either both or neither. The group metadata makes the
 * coordinator refuse the offsets of a worker that no longer owns the partitions.
 */
public final class TransactionalOutput implements AutoCloseable {
  private final Producer<byte[], byte[]> producer;

  public TransactionalOutput(Producer<byte[], byte[]> producer) {
    this.producer = producer;
    producer.initTransactions(); // fences an older instance with the same id and aborts what it left open
  }

  /**
   * @throws ProducerFencedException when a newer instance took over (fatal: stop this worker)
   * @throws KafkaException for any other failure, an old producer epoch after a coordinator moved
   *     included, after the transaction was aborted (the input can be read again)
   */
  public void commit(List<ProducerRecord<byte[], byte[]>> records, Map<TopicPartition, OffsetAndMetadata> offsets,
                     ConsumerGroupMetadata group) {
    producer.beginTransaction();
    try {
      for (ProducerRecord<byte[], byte[]> r : records) producer.send(r);
      if (!offsets.isEmpty()) producer.sendOffsetsToTransaction(offsets, group);
      producer.commitTransaction();
    } catch (ProducerFencedException e) {
      throw e;
    } catch (KafkaException e) {
      try {
        producer.abortTransaction();
      } catch (KafkaException abortFailed) {
        e.addSuppressed(abortFailed); // the first failure says why; the producer is unusable either way
      }
      throw e;
    }
  }

  @Override
  public void close() { producer.close(java.time.Duration.ofSeconds(5)); }
}
