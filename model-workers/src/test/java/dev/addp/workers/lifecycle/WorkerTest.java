package dev.addp.workers.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.addp.platform.kafka.TransactionalOutput;
import dev.addp.schemas.registry.RegistryUnavailableException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

/**
 * The fault policy on mock clients: a handler that commits each polled record in its own transaction,
 * with failures injected before the commit (an aborted transaction). What reaches the output shows
 * that nothing is dropped or doubled; the worker's state shows when it stops.
 */
class WorkerTest {
  private static final TopicPartition TP = new TopicPartition("in", 0);
  private static final FaultSettings FAST = new FaultSettings(3, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(1), 1024);

  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private final MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
  private final List<byte[]> input = new java.util.ArrayList<>();

  /** Commits one output per input record; throws the scripted failures first, one per record. */
  private final class EchoHandler implements RecordHandler {
    final List<RuntimeException> failures = java.util.Collections.synchronizedList(new java.util.LinkedList<>()); // null: succeeds
    final AtomicInteger rewinds = new AtomicInteger();
    final AtomicInteger drains = new AtomicInteger();
    Consumer<byte[], byte[]> c;
    TransactionalOutput out;

    @Override public void open(Consumer<byte[], byte[]> consumer, TransactionalOutput output) { c = consumer; out = output; }
    @Override public long pollTimeoutMs() { return 1; }

    @Override
    public void handle(ConsumerRecords<byte[], byte[]> records) {
      for (ConsumerRecord<byte[], byte[]> r : records) {
        RuntimeException failure = failures.isEmpty() ? null : failures.remove(0);
        if (failure != null) throw failure; // this record's transaction failed: nothing of it is committed
        Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(TP, new OffsetAndMetadata(r.offset() + 1));
        out.commit(List.of(new ProducerRecord<>("out", r.key(), r.value())), offsets, c.groupMetadata());
        c.commitSync(offsets); // MockConsumer does not see offsets committed through MockProducer's transaction
      }
    }

    @Override public void rewindToLastCommit() { rewinds.incrementAndGet(); Rewind.toLastCommit(c); }
    @Override public void drain() { drains.incrementAndGet(); }
    @Override public void onPartitionsRevoked(Collection<TopicPartition> partitions) { }
    @Override public void onPartitionsAssigned(Collection<TopicPartition> partitions) { }
  }

  /** A worker on the mocks; the input log is offered again from the consumer's position on each of the next polls. */
  private Worker worker(RecordHandler handler, int records) {
    for (int i = 0; i < records; i++) input.add(new byte[] {(byte) i});
    WorkerClients clients = new WorkerClients() {
      @Override public Consumer<byte[], byte[]> consumer(String groupId, String clientId, int maxPollRecords) { return consumer; }
      @Override public Producer<byte[], byte[]> transactionalProducer(String transactionalId) { return producer; }
    };
    consumer.schedulePollTask(() -> {
      consumer.rebalance(List.of(TP));
      consumer.updateBeginningOffsets(Map.of(TP, 0L));
    });
    for (int i = 0; i < 200; i++) consumer.schedulePollTask(this::offerFromPosition);
    return new Worker("test", "w1", clients, "p.", "in", 10, FAST, new FaultCounts(), handler);
  }

  private void offerFromPosition() {
    for (long o = consumer.position(TP); o < input.size(); o++) {
      consumer.addRecord(new ConsumerRecord<>("in", 0, o, null, input.get((int) o)));
    }
  }

  /** Runs the worker on a thread of its own until it stops by itself. */
  private static void runUntilItStops(Worker worker) throws InterruptedException {
    Thread t = new Thread(worker);
    t.start();
    t.join(10_000);
    assertThat(t.isAlive()).as("the worker stopped by itself").isFalse();
  }

  /** Runs the worker on a thread of its own until it has answered {@code n} records, then closes it. */
  private void runUntilOutputs(Worker worker, int n) throws Exception {
    Thread t = new Thread(worker);
    t.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> outputs().size() >= n);
    worker.close();
    t.join(10_000);
  }

  private List<Byte> outputs() { return producer.history().stream().map(r -> r.value()[0]).toList(); }

  @Test
  void anAuthorizationErrorStopsTheWorkerWithItsMessage() throws Exception {
    EchoHandler handler = new EchoHandler();
    handler.failures.add(new TopicAuthorizationException("Not authorized to access topics: [p.recognition.results]"));
    Worker worker = worker(handler, 1);
    runUntilItStops(worker);
    assertThat(worker.failure()).contains("TopicAuthorizationException").contains("p.recognition.results");
    assertThat(handler.rewinds).hasValue(0);
    assertThat(handler.drains).as("a stopped worker commits nothing more").hasValue(0);
    assertThat(outputs()).isEmpty();
    assertThat(consumer.closed()).isTrue();
    assertThat(producer.closed()).isTrue();
  }

  @Test
  void aTransientKafkaErrorRewindsToTheLastCommitAndNothingIsDroppedOrDoubled() throws Exception {
    EchoHandler handler = new EchoHandler();
    handler.failures.add(null);
    handler.failures.add(new TimeoutException("commit timed out"));
    Worker worker = worker(handler, 3);
    runUntilOutputs(worker, 3);
    assertThat(worker.failure()).isNull();
    assertThat(handler.rewinds).hasValue(1);
    assertThat(outputs()).containsExactly((byte) 0, (byte) 1, (byte) 2);
    assertThat(handler.drains).hasValue(1);
  }

  @Test
  void aKafkaErrorThatKeepsComingBackStopsTheWorkerAfterTheRetryBudget() throws Exception {
    EchoHandler handler = new EchoHandler();
    for (int i = 0; i < 10; i++) handler.failures.add(new TimeoutException("broker unreachable"));
    Worker worker = worker(handler, 1);
    runUntilItStops(worker);
    assertThat(worker.failure()).contains("gave up after 3 retries").contains("broker unreachable");
    assertThat(handler.rewinds).hasValue(3);
    assertThat(outputs()).isEmpty();
  }

  @Test
  void aRegistryOutagePausesForAsLongAsItLastsAndThenEveryRecordIsAnsweredOnce() throws Exception {
    EchoHandler handler = new EchoHandler();
    handler.failures.add(null);
    for (int i = 0; i < 8; i++) handler.failures.add(new RegistryUnavailableException("registry down", null));
    Worker worker = worker(handler, 3);
    runUntilOutputs(worker, 3);
    assertThat(worker.failure()).as("more outages than the Kafka retry budget, and still running").isNull();
    assertThat(handler.rewinds).hasValue(8);
    assertThat(outputs()).containsExactly((byte) 0, (byte) 1, (byte) 2);
  }
}
