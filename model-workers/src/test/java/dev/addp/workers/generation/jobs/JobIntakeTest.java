package dev.addp.workers.generation.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.JobState;
import dev.addp.schemas.DeadLetters;
import dev.addp.workers.lifecycle.FaultCounts;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.ZooFixtures;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Job intake on a MockConsumer, with the real serdes on an in-memory registry: which requests
 * become jobs, what each writes, which offsets it holds, and the registry back-off.
 */
class JobIntakeTest {
  private final JobFixtures fx = new JobFixtures();
  private final JobRecords records = fx.records();
  private final JobScheduler scheduler = new JobScheduler(8, 10_000);
  private final JobHistory history = fx.history();
  private final OffsetLedger ledger = new OffsetLedger();
  private final Outbox outbox = new Outbox(records, 1000, () -> 0L); // the interval never passes: only urgency commits
  private final FaultCounts faultCounts = new FaultCounts();
  private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
  private JobIntake intake;

  JobIntakeTest() throws Exception { }

  @BeforeEach
  void open() {
    ModelManifest manifest = ModelManifest.read(ZooFixtures.modelDir());
    intake = new JobIntake(fx.serdes, fx.topics, new DeadLetters("generation", "w1", DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES), manifest,
        Duration.ofMillis(50), faultCounts, new JobIntake.Parts(scheduler, history, ledger, outbox, records, fx.metrics()), MAX_JOBS);
    consumer.assign(List.of(fx.p0, fx.p1));
  }

  private static final int MAX_JOBS = 3;

  @Test
  void atMostMaxJobsAreHeldAndLaterRequestsWaitInTheirPausedPartition() {
    take(fx.record(fx.p0, 0, JobFixtures.request("q0", 1, 4).build()), fx.record(fx.p0, 1, JobFixtures.request("q1", 1, 4).build()),
        fx.record(fx.p0, 2, JobFixtures.request("q2", 1, 4).build()), fx.record(fx.p0, 3, JobFixtures.request("q3", 1, 4).build()),
        fx.record(fx.p0, 4, JobFixtures.request("q4", 1, 4).build()));

    assertThat(scheduler.jobs()).extracting(Job::id).containsExactly("q0", "q1", "q2");
    assertThat(consumer.paused()).containsExactly(fx.p0);
    assertThat(consumer.position(fx.p0)).as("the first request not taken is read again").isEqualTo(3);
    assertThat(ledger.committable(List.of(fx.p0))).isEqualTo(Map.of(fx.p0, new OffsetAndMetadata(0)));

    Job first = scheduler.get("q0");
    intake.end(first, records.event(first, JobState.SUCCEEDED).build());
    take();
    assertThat(consumer.paused()).as("room again: the partition resumes").isEmpty();
    take(fx.record(fx.p0, 3, JobFixtures.request("q3", 1, 4).build()), fx.record(fx.p0, 4, JobFixtures.request("q4", 1, 4).build()));
    assertThat(scheduler.jobs()).extracting(Job::id).containsExactly("q1", "q2", "q3");
    assertThat(consumer.paused()).containsExactly(fx.p0);
    assertThat(consumer.position(fx.p0)).isEqualTo(4);
  }

  @Test
  void priorityIsClampedSoAgingStillLiftsEveryWaitingJob() {
    take(fx.record(fx.p0, 0, JobFixtures.request("vip", 1, 4).setPriority(Integer.MAX_VALUE).build()),
        fx.record(fx.p0, 1, JobFixtures.request("low", 1, 4).setPriority(Integer.MIN_VALUE).build()));
    assertThat(scheduler.get("vip").spec().priority()).isEqualTo(JobSpec.MAX_PRIORITY);
    assertThat(scheduler.get("low").spec().priority()).isEqualTo(-JobSpec.MAX_PRIORITY);
  }

  @AfterEach
  void close() { fx.close(); }

  private void take(ConsumerRecord<byte[], byte[]>... polled) {
    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> byPartition = new java.util.HashMap<>();
    for (ConsumerRecord<byte[], byte[]> r : polled) {
      byPartition.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new java.util.ArrayList<>()).add(r);
    }
    intake.take(new ConsumerRecords<>(byPartition), consumer);
  }

  private List<GenerationEvent> events() { return fx.events(outbox.pending()); }

  @Test
  void aValidRequestIsQueuedAndHoldsItsOffsetUntilItsJobEnds() {
    take(fx.record(fx.p0, 5, JobFixtures.request("a", 2, 4).build()));

    assertThat(scheduler.get("a")).isNotNull();
    assertThat(scheduler.get("a").attempt()).isEqualTo(1);
    assertThat(events()).extracting(GenerationEvent::getState).containsExactly(JobState.QUEUED);
    assertThat(fx.states(outbox.pending())).containsExactly("a QUEUED @0");
    assertThat(outbox.due(false)).as("a queued job does not force a commit").isFalse();
    assertThat(ledger.committable(List.of(fx.p0))).isEqualTo(Map.of(fx.p0, new OffsetAndMetadata(5)));

    Job job = scheduler.get("a");
    intake.end(job, records.event(job, JobState.CANCELLED).build());
    assertThat(scheduler.get("a")).isNull();
    assertThat(history.isTerminal("a")).isTrue();
    assertThat(ledger.committable(List.of(fx.p0))).isEqualTo(Map.of(fx.p0, new OffsetAndMetadata(6)));
    assertThat(fx.states(outbox.pending())).containsExactly("a QUEUED @0", "a CANCELLED @0");
    assertThat(outbox.due(false)).as("an end commits at once").isTrue();
  }

  @Test
  void aRequestOfAJobThatEndedOrRunsIsSkipped() {
    history.record(0, "done", true, 1);
    take(fx.record(fx.p0, 0, JobFixtures.request("done", 1, 4).build()),
        fx.record(fx.p0, 1, JobFixtures.request("b", 1, 4).build()),
        fx.record(fx.p0, 2, JobFixtures.request("b", 1, 4).build()));

    assertThat(scheduler.jobs()).extracting(Job::id).containsExactly("b");
    assertThat(events()).extracting(GenerationEvent::getJobId).containsExactly("b");
    assertThat(ledger.committable(List.of(fx.p0))).isEqualTo(Map.of(fx.p0, new OffsetAndMetadata(1)));
  }

  @Test
  void aJobStartedBeforeRunsAgainAsTheNextAttempt() {
    history.record(1, "c", false, 2);
    take(fx.record(fx.p1, 0, JobFixtures.request("c", 1, 4).build()));

    assertThat(scheduler.get("c").attempt()).isEqualTo(3);
    assertThat(events().get(0).getReason()).contains("attempt 3");
  }

  @Test
  void anInvalidRequestEndsAtOnceAsFailedWithItsTypedReason() {
    take(fx.record(fx.p0, 3, JobFixtures.request("bad", 0, 4).build()));

    assertThat(scheduler.isEmpty()).isTrue();
    GenerationEvent failed = events().get(0);
    assertThat(failed.getState()).isEqualTo(JobState.FAILED);
    assertThat(failed.getErrorType()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(failed.getReason()).contains("count");
    assertThat(history.isTerminal("bad")).isTrue();
    assertThat(ledger.committable(List.of(fx.p0))).isEqualTo(Map.of(fx.p0, new OffsetAndMetadata(4)));
    assertThat(outbox.due(false)).isTrue();
  }

  @Test
  void anUnreadableRecordBecomesADeadLetterAndTheNextIsTaken() {
    take(new ConsumerRecord<>(fx.p0.topic(), 0, 7, "k".getBytes(), new byte[] {42, 1, 2}),
        fx.record(fx.p0, 8, JobFixtures.request("d", 1, 4).build()));

    assertThat(outbox.pending()).filteredOn(r -> r.topic().equals(fx.topics.deadLetters())).hasSize(1);
    assertThat(scheduler.get("d")).isNotNull();
    assertThat(outbox.due(false)).isTrue();
  }

  @Test
  void whileTheRegistryIsDownThePartitionPausesAndItsRecordIsReadAgain() throws Exception {
    take(fx.record(fx.p0, 4, JobFixtures.request("e", 1, 4).build()));
    ConsumerRecord<byte[], byte[]> behind = fx.record(fx.p1, 1, JobFixtures.request("g", 1, 4).build());
    // written with a schema id this worker has not seen: reading it needs the registry, which is down
    byte[] unknownId = {0, 0, 0, 3, (byte) 231, 2, 'f'};
    fx.registry.setDown(true);
    try {
      take(new ConsumerRecord<>(fx.p1.topic(), 1, 0, "f".getBytes(), unknownId), behind);
      assertThat(scheduler.jobs()).as("the record behind it waits too").extracting(Job::id).containsExactly("e");
      assertThat(outbox.pending()).as("no dead letter for a record that waits").noneMatch(r -> r.topic().equals(fx.topics.deadLetters()));
      assertThat(consumer.paused()).containsExactly(fx.p1);
      assertThat(consumer.position(fx.p1)).as("sought back to the record").isZero();
      assertThat(ledger.committable(List.of(fx.p1))).isEmpty();
      assertThat(faultCounts.registryPauses).hasValue(1);
      // once the back-off has passed, the next poll resumes the partition
      await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(10)).untilAsserted(() -> {
        take();
        assertThat(consumer.paused()).isEmpty();
      });
    } finally {
      fx.registry.setDown(false);
    }
  }
}
