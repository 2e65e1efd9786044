package dev.addp.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class TransactionalOutputTest {
  private final Deque<MockProducer<byte[], byte[]>> made = new ArrayDeque<>();
  private final TransactionalOutput output = new TransactionalOutput(() -> {
    MockProducer<byte[], byte[]> p = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
    made.add(p);
    return p;
  });
  private final List<ProducerRecord<byte[], byte[]>> records = List.of(new ProducerRecord<>("out", new byte[] {1}));
  private final Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(new TopicPartition("in", 0), new OffsetAndMetadata(7));
  private final ConsumerGroupMetadata group = new ConsumerGroupMetadata("workers");

  @Test
  void aFailedCommitIsAbortedAndTheSameProducerGoesOn() {
    made.getFirst().commitTransactionException = new TimeoutException("commit timed out");
    assertThatThrownBy(() -> output.commit(records, offsets, group)).isInstanceOf(TimeoutException.class);
    assertThat(made.getFirst().transactionAborted()).isTrue();
    made.getFirst().commitTransactionException = null;
    output.commit(records, offsets, group);
    assertThat(made).hasSize(1);
    assertThat(made.getFirst().history()).hasSize(1);
    assertThat(output.producersReplaced()).isZero();
  }

  @Test
  void anOutOfOrderSequenceReplacesTheProducerAndTheNextCommitGoesThroughTheNewOne() {
    MockProducer<byte[], byte[]> first = made.getFirst();
    first.commitTransactionException = new OutOfOrderSequenceException("sequence gap after a leader change");
    assertThatThrownBy(() -> output.commit(records, offsets, group)).isInstanceOf(OutOfOrderSequenceException.class);
    assertThat(first.closed()).isTrue();
    assertThat(made).hasSize(2);
    assertThat(made.getLast().transactionInitialized()).isTrue();
    output.commit(records, offsets, group);
    assertThat(made.getLast().history()).hasSize(1);
    assertThat(made.getLast().consumerGroupOffsetsHistory()).containsExactly(Map.of("workers", offsets));
    assertThat(output.producersReplaced()).isEqualTo(1);
  }

  @Test
  void aProducerThatCannotAbortIsReplaced() {
    MockProducer<byte[], byte[]> first = made.getFirst();
    first.commitTransactionException = new TimeoutException("batch expired while the leader was down");
    first.abortTransactionException = new KafkaException("Cannot execute transactional method because we are in an error state");
    assertThatThrownBy(() -> output.commit(records, offsets, group))
        .isInstanceOf(TimeoutException.class)
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    assertThat(made).hasSize(2);
    output.commit(records, offsets, group);
    assertThat(made.getLast().history()).hasSize(1);
  }

  @Test
  void aReplacementWhoseInitFailedInitialisesAtTheNextCommit() {
    // the replacement's first initTransactions fails (no broker yet): the next commit tries again
    TransactionalOutput flaky = new TransactionalOutput(new java.util.function.Supplier<>() {
      int n;
      @Override public MockProducer<byte[], byte[]> get() {
        MockProducer<byte[], byte[]> p = new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        if (n == 0) p.commitTransactionException = new OutOfOrderSequenceException("sequence");
        if (n == 1) p.initTransactionException = new TimeoutException("no coordinator");
        n++;
        made.add(p);
        return p;
      }
    });
    assertThatThrownBy(() -> flaky.commit(records, offsets, group)).isInstanceOf(OutOfOrderSequenceException.class);
    MockProducer<byte[], byte[]> second = made.getLast();
    assertThat(second.transactionInitialized()).isFalse();
    second.initTransactionException = null;
    flaky.commit(records, offsets, group);
    assertThat(second.history()).hasSize(1);
  }

  @Test
  void fencingIsNotCuredByANewProducer() {
    made.getFirst().commitTransactionException = new ProducerFencedException("a newer instance");
    assertThatThrownBy(() -> output.commit(records, offsets, group)).isInstanceOf(ProducerFencedException.class);
    assertThat(made).hasSize(1);
  }
}
