package dev.addp.workers.generation.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.JobState;
import dev.addp.schemas.DeadLetters;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.lifecycle.FaultCounts;
import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.onnx.Device;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The step runner on the committed generation model: jobs step together, report progress, end with
 * their results, and stop at the step boundary after a cancel or their deadline.
 */
class StepRunnerTest {
  private static GenerationModel model;

  private final JobFixtures fx = new JobFixtures();
  private final JobScheduler scheduler = new JobScheduler(8, 10_000);
  private final OffsetLedger ledger = new OffsetLedger();
  private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
  private JobRecords records;
  private Outbox outbox;
  private JobIntake intake;
  private StepRunner runner;

  StepRunnerTest() throws Exception { }

  @BeforeAll
  static void load() throws Exception { model = new GenerationModel(ZooFixtures.modelDir(), Device.CPU, 1); }

  @AfterAll
  static void unload() throws Exception { model.close(); }

  @BeforeEach
  void open() throws Exception {
    records = fx.records(model);
    outbox = new Outbox(records, 1000);
    intake = new JobIntake(fx.serdes, fx.topics, new DeadLetters("generation", "w1", DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES),
        model.manifest(), Duration.ofMillis(50), new FaultCounts(),
        new JobIntake.Parts(scheduler, fx.history(), ledger, outbox, records, fx.metrics()), JobIntake.DEFAULT_MAX_JOBS);
    runner = new StepRunner(new GenerationLoop(model, 8), scheduler, intake, outbox, records, fx.metrics());
    runner.watch(new Cancels() {
      @Override public boolean isCancelled(String jobId) { return cancelled.contains(jobId); }
      @Override public String reason(String jobId) { return "asked by " + jobId + "'s owner"; }
    });
  }

  @AfterEach
  void close() {
    runner.close();
    fx.close();
  }

  private void queue(long offset, dev.addp.avro.GenerationRequest request) { intake.accept(fx.record(fx.p0, offset, request)); }

  private List<String> eventsOf(String jobId) {
    return fx.events(outbox.pending()).stream().filter(e -> e.getJobId().equals(jobId)).map(e -> e.getState() + "@" + e.getStep()).toList();
  }

  @Test
  void aJobStepsReportsProgressAndEndsWithEveryImageAndSucceeded() {
    queue(0, JobFixtures.request("a", 2, 3).build());
    int steps = 0;
    while (!scheduler.isEmpty() && steps < 10) {
      assertThat(runner.runOnce()).isEqualTo(2);
      steps++;
    }
    assertThat(steps).isEqualTo(3);
    assertThat(eventsOf("a")).containsExactly("QUEUED@0", "RUNNING@0", "RUNNING@1", "RUNNING@2", "SUCCEEDED@3");
    assertThat(outbox.pending()).filteredOn(r -> r.topic().equals(fx.topics.generationResults())).hasSize(2);
    assertThat(fx.states(outbox.pending())).containsExactly("a QUEUED @0", "a SUCCEEDED @0");
    assertThat(ledger.committable(List.of(fx.p0))).isEqualTo(Map.of(fx.p0, new OffsetAndMetadata(1)));
    assertThat(runner.runOnce()).as("nothing left to step").isZero();
  }

  @Test
  void previewsComeEveryPreviewInterval() {
    queue(0, JobFixtures.request("p", 1, 4).setPreviewInterval(2).build());
    for (int i = 0; i < 3; i++) runner.runOnce();
    List<GenerationEvent> progress = fx.events(outbox.pending()).stream().filter(e -> e.getState() == JobState.RUNNING).toList();
    assertThat(progress).extracting(e -> e.getStep() + ":" + (e.getPreviewPng() != null)).containsExactly("0:false", "1:false", "2:true", "3:false");
  }

  @Test
  void aCancelledJobEndsAtTheNextStepBoundaryAndTheOthersGoOn() {
    queue(0, JobFixtures.request("a", 1, 5).build());
    queue(1, JobFixtures.request("b", 1, 5).build());
    runner.runOnce();
    cancelled.add("a");
    assertThat(runner.runOnce()).as("only b's image steps").isEqualTo(1);
    GenerationEvent end = fx.events(outbox.pending()).stream().filter(e -> e.getState() == JobState.CANCELLED).findFirst().orElseThrow();
    assertThat(end.getJobId()).isEqualTo("a");
    assertThat(end.getReason()).isEqualTo("asked by a's owner");
    assertThat(end.getStep()).isEqualTo(1);
    assertThat(scheduler.jobs()).extracting(Job::id).containsExactly("b");
    assertThat(ledger.committable(List.of(fx.p0))).as("b still holds its offset").isEqualTo(Map.of(fx.p0, new OffsetAndMetadata(1)));
  }

  @Test
  void aJobPastItsDeadlineFailsBeforeItsNextStep() {
    queue(0, JobFixtures.request("late", 1, 5).setDeadlineMs(1L).build());
    assertThat(runner.runOnce()).isZero();
    GenerationEvent end = fx.events(outbox.pending()).get(1);
    assertThat(end.getState()).isEqualTo(JobState.FAILED);
    assertThat(end.getErrorType()).isEqualTo(ErrorType.DEADLINE_EXCEEDED);
    assertThat(end.getReason()).contains("deadline 1 passed at step 0 of 5");
    assertThat(scheduler.isEmpty()).isTrue();
    assertThat(outbox.due(false)).isTrue();
  }
}
