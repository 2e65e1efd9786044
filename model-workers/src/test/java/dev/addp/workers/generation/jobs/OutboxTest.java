package dev.addp.workers.generation.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.avro.JobState;
import dev.addp.platform.kafka.TransactionalOutput;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The outbox on a MockProducer: what it commits, with which offsets, and when. */
class OutboxTest {
  private final JobFixtures fx = new JobFixtures();
  private final JobRecords records = fx.records();
  private final AtomicLong now = new AtomicLong();
  private final Outbox outbox = new Outbox(records, 1000, now::get);
  private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final TransactionalOutput output = new TransactionalOutput(() -> producer);
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");

  OutboxTest() throws Exception { }

  @AfterEach
  void close() { fx.close(); }

  private void advanceMs(long ms) { now.addAndGet(TimeUnit.MILLISECONDS.toNanos(ms)); }

  @Test
  void progressWaitsForTheCommitIntervalAndAnEndCommitsAtOnce() {
    outbox.event(records.event("a", JobState.RUNNING, 1, 1, 0, 1).build());
    assertThat(outbox.due(false)).as("progress within the interval").isFalse();
    advanceMs(1000);
    assertThat(outbox.due(false)).isTrue();
    assertThat(outbox.commit(output, Map.of(), consumer.groupMetadata())).isTrue();
    assertThat(outbox.due(true)).as("a moved offset also waits for the interval").isFalse();
    outbox.stateEvent(records.event("a", JobState.SUCCEEDED, 1, 3, 1, 1).build(), 0);
    outbox.commitSoon();
    assertThat(outbox.due(false)).isTrue();
    outbox.commit(output, Map.of(), consumer.groupMetadata());
    advanceMs(5000);
    assertThat(outbox.due(false)).as("nothing pending, nothing moved").isFalse();
    assertThat(outbox.due(true)).isTrue();
  }

  @Test
  void oneTransactionCarriesEveryPendingRecordAndTheOffsetsGiven() {
    outbox.stateEvent(records.event("a", JobState.QUEUED, 1, 0, 0, 1).build(), 1);
    outbox.event(records.event("a", JobState.RUNNING, 1, 0, 0, 1).build());
    Map<org.apache.kafka.common.TopicPartition, OffsetAndMetadata> offsets = Map.of(fx.p1, new OffsetAndMetadata(8));
    assertThat(outbox.commit(output, offsets, consumer.groupMetadata())).isTrue();

    assertThat(producer.commitCount()).isEqualTo(1);
    assertThat(fx.events(producer.history())).extracting(e -> e.getState()).containsExactly(JobState.QUEUED, JobState.RUNNING);
    assertThat(fx.states(producer.history())).as("the state record on the request's partition").containsExactly("a QUEUED @1");
    assertThat(producer.consumerGroupOffsetsHistory()).hasSize(1);
    assertThat(producer.consumerGroupOffsetsHistory().get(0).values().iterator().next()).isEqualTo(offsets);
    assertThat(outbox.pending()).isEmpty();
  }

  @Test
  void withNothingPendingAndNoOffsetsThereIsNoTransaction() {
    assertThat(outbox.commit(output, Map.of(), consumer.groupMetadata())).isFalse();
    assertThat(producer.commitCount()).isZero();
  }

  @Test
  void aFailedCommitKeepsEverythingPendingUntilTheRewindResetsIt() {
    outbox.event(records.event("a", JobState.RUNNING, 1, 1, 0, 1).build());
    outbox.commitSoon();
    producer.commitTransactionException = new KafkaException("broker went away");
    assertThatThrownBy(() -> outbox.commit(output, Map.of(), consumer.groupMetadata())).isInstanceOf(KafkaException.class);
    assertThat(outbox.pending()).hasSize(1);
    assertThat(outbox.due(false)).isTrue();
    outbox.reset();
    assertThat(outbox.pending()).isEmpty();
    assertThat(outbox.due(false)).isFalse();
    producer.commitTransactionException = null;
    outbox.event(records.event("b", JobState.RUNNING, 1, 1, 0, 1).build());
    outbox.commit(output, Map.of(), consumer.groupMetadata());
    assertThat(fx.events(producer.history())).extracting(e -> e.getJobId()).containsExactly("b");
  }
}
