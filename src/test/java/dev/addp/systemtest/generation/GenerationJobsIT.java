package dev.addp.systemtest.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.GenerationClient.JobOutcome;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.JobState;
import dev.addp.avro.Schedule;
import dev.addp.platform.config.AddpConfig;
import dev.addp.schemas.JobStates;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.workers.model.GenerationDefaults;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Generation jobs through a real broker and registry: progress, one terminal state, cancel, deadline, bad requests, status. */
class GenerationJobsIT {
  private static AddpConfig config;
  private static RoleRunner roles;
  private static GenerationClient client;

  @BeforeAll
  static void start() throws Exception {
    config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "generation", 2)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString())
        .with("status.http.port", "0").with("worker.id", "gen-it").with("generation.batch.size", "64");
    roles = RoleRunner.start(List.of(ProcessRole.GENERATION, ProcessRole.STATUS), config);
    roles.awaitReady(Duration.ofSeconds(60));
    client = new GenerationClient(config);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    roles.close();
  }

  private static GenerationRequest.Builder job(String id, int count) {
    return GenerationRequest.newBuilder().setJobId(id).setCount(count).setSeed(7).setSubmittedAtMs(System.currentTimeMillis());
  }

  private static JobOutcome run(GenerationRequest r, Duration timeout) {
    client.submit(r);
    return client.await(List.of(r.getJobId()), Map.of(r.getJobId(), r.getCount()), timeout, e -> { }).get(r.getJobId());
  }

  @Test
  void progressArrivesInOrderAndEndsInExactlyOneTerminalStateWithAllImages() throws Exception {
    JobOutcome o = run(job("ordered", 6).setPreviewInterval(5).build(), Duration.ofSeconds(120));
    assertThat(client.readToEnd(Map.of("ordered", o), Duration.ofSeconds(60))).as("read to the committed end").isTrue();
    List<GenerationEvent> events = o.events();
    assertThat(events.get(0).getState()).isEqualTo(JobState.QUEUED);
    assertThat(events.stream().filter(e -> JobStates.isTerminal(e.getState()))).hasSize(1);
    assertThat(o.last().getState()).isEqualTo(JobState.SUCCEEDED);
    List<Integer> steps = events.stream().filter(e -> e.getState() == JobState.RUNNING).map(GenerationEvent::getStep).toList();
    assertThat(steps).isSorted().isNotEmpty();
    int total = o.last().getTotalSteps();
    assertThat(steps.get(steps.size() - 1)).isEqualTo(total - 1);
    assertThat(o.last().getStep()).isEqualTo(total);
    assertThat(events.stream().anyMatch(e -> e.getPreviewPng() != null)).as("previews every 5 steps").isTrue();
    assertThat(o.results()).hasSize(6);
    assertThat(o.results().stream().map(GenerationResult::getIndex).collect(Collectors.toSet())).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5);
    for (GenerationResult r : o.results()) {
      assertThat(r.getTokenIds()).hasSize(roles.generation().model().tokens());
      assertThat(r.getSoftPositions()).as("ADDP's clip keeps exactly one soft token").hasSize(1);
      assertThat(r.getPng().remaining()).isGreaterThan(50);
      assertThat(r.getModel().getSha256()).isEqualTo(roles.generation().model().lineage().getSha256());
    }
    HttpResponse<String> status = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + roles.status().port() + "/jobs/ordered")).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(status.statusCode()).isEqualTo(200);
    assertThat(status.body()).contains("\"state\":\"SUCCEEDED\"").contains("\"images_done\":6");
  }

  @Test
  void cancelStopsARunningJobWithinAboutOneStep() {
    String id = "to-cancel";
    client.submit(job(id, 64).setSteps(400).setSchedule(Schedule.LINEAR).build());
    long[] cancelSentAt = {0};
    JobOutcome o = client.await(List.of(id), Map.of(id, 64), Duration.ofSeconds(120), e -> {
      if (e.getState() == JobState.RUNNING && e.getStep() >= 3 && cancelSentAt[0] == 0) {
        cancelSentAt[0] = System.currentTimeMillis();
        client.cancel(id, "test cancel");
      }
    }).get(id);
    assertThat(o.last().getState()).isEqualTo(JobState.CANCELLED);
    assertThat(o.last().getReason()).isEqualTo("test cancel");
    assertThat(o.results()).isEmpty();
    // Events are committed in batches, so compare worker timestamps: steps started after the cancel was sent.
    int stepAtCancel = o.events().stream().filter(e -> e.getState() == JobState.RUNNING && e.getTimestampMs() <= cancelSentAt[0])
        .mapToInt(GenerationEvent::getStep).max().orElse(0);
    long stepMs = stepDurationMs(o.events());
    long slack = 1 + (250 + stepMs - 1) / Math.max(1, stepMs); // the step in flight + the control topic's delivery latency
    assertThat(o.last().getStep() - stepAtCancel).as("steps after the cancel (step ≈ " + stepMs + " ms)").isLessThanOrEqualTo((int) slack);
    assertThat(o.last().getStep()).isLessThan(400);
    // the job has ended: the status application tombstones its cancel in the compacted control topic
    try (dev.addp.systemtest.support.TopicReader control =
             new dev.addp.systemtest.support.TopicReader(config, dev.addp.platform.kafka.Topics.from(config).generationControl())) {
      List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> records = control.readUntil(rs -> rs.stream()
          .anyMatch(r -> r.value() == null && id.equals(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8))),
          Duration.ofSeconds(60));
      assertThat(records).filteredOn(r -> id.equals(new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)))
          .extracting(r -> r.value() == null ? "tombstone" : "cancel").containsSubsequence("cancel", "tombstone");
    }
  }

  @Test
  void anExpiredDeadlineFailsTheJob() {
    JobOutcome o = run(job("deadline", 64).setSteps(400).setSchedule(Schedule.LINEAR)
        .setDeadlineMs(System.currentTimeMillis() + 1500).build(), Duration.ofSeconds(60));
    assertThat(o.last().getState()).isEqualTo(JobState.FAILED);
    assertThat(o.last().getErrorType()).isEqualTo(ErrorType.DEADLINE_EXCEEDED);
    assertThat(o.results()).isEmpty();
  }

  @Test
  void invalidRequestsFailFastWithTypedReasons() {
    Map<String, GenerationRequest> bad = Map.of(
        "zero-count", job("zero-count", 0).build(),
        "too-many-steps", job("too-many-steps", 1).setSteps(5000).build(),
        "cold", job("cold", 1).setTemperature(-1f).build(),
        "other-model", job("other-model", 1).setModel("stable-diffusion").build(),
        "unknown-label", job("unknown-label", 1).setLabel("Sandals").build(),
        "negative-guidance", job("negative-guidance", 1).setLabel("Sandal").setGuidance(-1.0).build());
    bad.values().forEach(client::submit);
    Map<String, JobOutcome> out = client.await(bad.keySet(), Map.of("zero-count", 0, "too-many-steps", 1, "cold", 1, "other-model", 1, "unknown-label", 1,
        "negative-guidance", 1),
        Duration.ofSeconds(30), e -> { });
    out.forEach((id, o) -> {
      assertThat(o.events()).as(id).hasSize(1);
      assertThat(o.last().getState()).isEqualTo(JobState.FAILED);
      assertThat(o.last().getReason()).isNotBlank();
    });
    assertThat(out.get("other-model").last().getErrorType()).isEqualTo(ErrorType.UNKNOWN_MODEL);
    assertThat(out.get("zero-count").last().getErrorType()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(out.get("too-many-steps").last().getReason()).contains("steps");
    assertThat(out.get("cold").last().getReason()).contains("temperature");
    assertThat(out.get("unknown-label").last().getErrorType()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(out.get("unknown-label").last().getReason()).contains("unknown label 'Sandals'");
    assertThat(out.get("negative-guidance").last().getErrorType()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(out.get("negative-guidance").last().getReason()).contains("guidance");
  }

  @Test
  void aLabelledJobCarriesItsLabelInEventsResultsAndStatus() throws Exception {
    JobOutcome o = run(job("labelled", 2).setLabel("sandal").setSteps(4).build(), Duration.ofSeconds(120));
    assertThat(o.last().getState()).isEqualTo(JobState.SUCCEEDED);
    assertThat(o.events()).allSatisfy(e -> assertThat(e.getLabel()).isEqualTo("Sandal"));
    assertThat(o.results()).hasSize(2).allSatisfy(r -> assertThat(r.getLabel()).isEqualTo("Sandal"));
    assertThat(statusOnceEnded("labelled")).contains("\"label\":\"Sandal\"");
  }

  /** Needs a model whose manifest declares classifier-free guidance. */
  @Test
  void aGuidedJobCarriesItsStrengthInEventsResultsAndStatusAndAnOutOfRangeOneIsRefused() throws Exception {
    GenerationDefaults.Guidance guidance = roles.generation().model().conditioning().guidance();
    assertThat(guidance).as("the model's manifest declares generation.conditioning.guidance").isNotNull();
    JobOutcome o = run(job("guided", 2).setLabel("Sandal").setGuidance(2.5).setSteps(4).build(), Duration.ofSeconds(120));
    assertThat(o.last().getState()).isEqualTo(JobState.SUCCEEDED);
    assertThat(o.events()).allSatisfy(e -> assertThat(e.getGuidance()).isEqualTo(2.5));
    assertThat(o.results()).hasSize(2).allSatisfy(r -> assertThat(r.getGuidance()).isEqualTo(2.5));
    assertThat(statusOnceEnded("guided")).contains("\"label\":\"Sandal\"").contains("\"guidance\":2.5");

    JobOutcome over = run(job("over-guided", 1).setLabel("Sandal").setGuidance(guidance.max() + 0.5).build(), Duration.ofSeconds(30));
    assertThat(over.last().getState()).isEqualTo(JobState.FAILED);
    assertThat(over.last().getErrorType()).isEqualTo(ErrorType.INVALID_REQUEST);
    assertThat(over.last().getReason()).contains("[0, " + guidance.max() + "]");
    assertThat(over.results()).isEmpty();
  }

  /**
   * The status server's view of a job once it shows SUCCEEDED: it reads the job-state topic on its
   * own, so it can lag the events the client saw by a moment.
   */
  private String statusOnceEnded(String jobId) {
    HttpClient http = HttpClient.newHttpClient();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + roles.status().port() + "/jobs/" + jobId)).GET().build();
    return org.awaitility.Awaitility.await("status of " + jobId + " shows SUCCEEDED").atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> http.send(get, HttpResponse.BodyHandlers.ofString()).body(), body -> body.contains("\"state\":\"SUCCEEDED\""));
  }

  private static long stepDurationMs(List<GenerationEvent> events) {
    List<GenerationEvent> running = events.stream().filter(e -> e.getState() == JobState.RUNNING && e.getStep() > 0).toList();
    if (running.size() < 2) return 1;
    GenerationEvent a = running.get(0);
    GenerationEvent b = running.get(running.size() - 1);
    return Math.max(1, (b.getTimestampMs() - a.getTimestampMs()) / Math.max(1, b.getStep() - a.getStep()));
  }
}
