package dev.addp.workers.recognition;

import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/** A polled record, its decode on the pool, and when it arrived (for the batching deadline). */
record PendingRecord(ConsumerRecord<byte[], byte[]> record, Future<Prepared> prepared, long arrivedNanos) {
  TopicPartition partition() { return new TopicPartition(record.topic(), record.partition()); }
}
