package dev.addp.workers.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.avro.ErrorType;
import dev.addp.platform.kafka.TransactionalOutput;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The ordered committer on a MockProducer: batches commit strictly oldest first, each in its own
 * transaction with exactly its outputs and the offsets just after its records; a failed commit
 * aborts, keeps the batch open, and gives every open record back, oldest first, for the rewind.
 * Batches of records the decode stage rejected; the inference stage answers each with a dead letter
 * keyed like its input, as {@link BatchInference} does, without a model.
 */
class OrderedCommitterTest {
  private static final TopicPartition P0 = new TopicPartition("addp.recognition.requests", 0);
  private static final TopicPartition P1 = new TopicPartition("addp.recognition.requests", 1);

  private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final WorkerStats stats = new WorkerStats();
  private OrderedCommitter committer;
  private TransactionalOutput output;

  /** One dead letter per input record, keyed like it, in input order. */
  private static List<ProducerRecord<byte[], byte[]>> deadLetters(List<PendingRecord> batch, List<Prepared> prepared, long startMs) {
    return batch.stream().map(p -> new ProducerRecord<>("addp.deadletter", p.record().key(), p.record().value())).toList();
  }

  @BeforeEach
  void open() {
    committer = new OrderedCommitter(OrderedCommitterTest::deadLetters, stats);
    output = new TransactionalOutput(() -> producer);
    consumer.assign(List.of(P0, P1));
  }

  @AfterEach
  void close() { committer.close(); }

  private static BatchAssembler.Taken batch(TopicPartition tp, long... offsets) {
    List<PendingRecord> records = new ArrayList<>();
    List<Prepared> prepared = new ArrayList<>();
    for (long o : offsets) {
      String id = tp.partition() + "@" + o;
      ConsumerRecord<byte[], byte[]> r = new ConsumerRecord<>(tp.topic(), tp.partition(), o, id.getBytes(StandardCharsets.UTF_8), new byte[] {1});
      Prepared p = new Prepared.Rejected(ErrorType.CORRUPT_IMAGE, new IllegalArgumentException("not an image"), id);
      records.add(new PendingRecord(r, CompletableFuture.completedFuture(p), System.nanoTime()));
      prepared.add(p);
    }
    return new BatchAssembler.Taken(records, prepared);
  }

  private static BatchAssembler.Taken concat(BatchAssembler.Taken a, BatchAssembler.Taken b) {
    List<PendingRecord> r = new ArrayList<>(a.records());
    r.addAll(b.records());
    List<Prepared> p = new ArrayList<>(a.prepared());
    p.addAll(b.prepared());
    return new BatchAssembler.Taken(r, p);
  }

  private List<String> keysOf(List<ProducerRecord<byte[], byte[]>> records) {
    return records.stream().map(r -> new String(r.key(), StandardCharsets.UTF_8)).toList();
  }

  @Test
  void batchesCommitOldestFirstEachWithItsOutputsAndTheOffsetsAfterIt() {
    committer.submit(concat(batch(P0, 0, 1, 2), batch(P1, 0, 1)));
    committer.submit(batch(P0, 3, 4));
    assertThat(committer.isFull()).isTrue();
    while (!committer.isEmpty()) committer.commitFinished(output, consumer, true);

    assertThat(producer.commitCount()).isEqualTo(2);
    assertThat(keysOf(producer.history())).containsExactly("0@0", "0@1", "0@2", "1@0", "1@1", "0@3", "0@4");
    assertThat(producer.history()).allMatch(r -> r.topic().equals("addp.deadletter"));
    List<Map<TopicPartition, OffsetAndMetadata>> offsets = producer.consumerGroupOffsetsHistory().stream()
        .map(byGroup -> byGroup.values().iterator().next()).toList();
    assertThat(offsets).containsExactly(
        Map.of(P0, new OffsetAndMetadata(3), P1, new OffsetAndMetadata(2)),
        Map.of(P0, new OffsetAndMetadata(5)));
    assertThat(stats.deadLetters.get()).isEqualTo(7);
    assertThat(stats.batches.get()).isEqualTo(2);
  }

  @Test
  void aFailedCommitAbortsKeepsTheBatchOpenAndGivesEveryOpenRecordBackOldestFirst() {
    committer.submit(batch(P0, 10, 11));
    committer.submit(concat(batch(P1, 7), batch(P0, 12)));
    producer.commitTransactionException = new KafkaException("broker went away");
    assertThatThrownBy(() -> committer.commitFinished(output, consumer, true)).isInstanceOf(KafkaException.class);

    assertThat(producer.transactionAborted()).isTrue();
    assertThat(producer.history()).as("nothing of an aborted transaction is visible").isEmpty();
    assertThat(producer.consumerGroupOffsetsHistory()).isEmpty();
    assertThat(stats.abortedTransactions.get()).isEqualTo(1);
    assertThat(committer.isEmpty()).as("the failed batch is still open").isFalse();
    assertThat(committer.openRecords()).isEqualTo(4);
    List<PendingRecord> back = committer.abandonAll();
    assertThat(back.stream().map(p -> p.partition().partition() + "@" + p.record().offset()))
        .containsExactly("0@10", "0@11", "1@7", "0@12");
    assertThat(committer.isEmpty()).isTrue();
  }

  @Test
  void afterAFailedCommitTheSameBatchCommitsOnceWhenRetried() {
    committer.submit(batch(P0, 0, 1));
    producer.commitTransactionException = new KafkaException("timeout");
    assertThatThrownBy(() -> committer.commitFinished(output, consumer, true)).isInstanceOf(KafkaException.class);
    producer.commitTransactionException = null;
    committer.commitFinished(output, consumer, true);
    assertThat(committer.isEmpty()).isTrue();
    assertThat(keysOf(producer.history())).containsExactly("0@0", "0@1");
    assertThat(producer.commitCount()).isEqualTo(1);
  }
}
