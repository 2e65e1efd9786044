package dev.addp.systemtest.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.GenerationClient.JobOutcome;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.JobState;
import dev.addp.platform.config.AddpConfig;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.WorkerProcess;
import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.generation.ImageStart;
import dev.addp.workers.generation.ImageTrack;
import dev.addp.workers.generation.LoopSettings;
import dev.addp.workers.generation.Schedule;
import dev.addp.workers.generation.StreamSeeds;
import dev.addp.workers.generation.Uniforms;
import dev.addp.workers.onnx.Device;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * The crash tests' harness: two generation worker processes, the one running a job killed (SIGKILL)
 * in its middle, and the checks that the job then completed as a new attempt on the other worker
 * with exactly one result per image, each the one the seed determines.
 */
final class WorkerKillHarness {
  private WorkerKillHarness() { }

  /** A job that ran through a kill: what the client read, and the id of the worker killed. */
  record Survived(JobOutcome outcome, String killed) { }

  /**
   * Starts workers {@code name}-a and {@code name}-b on topics of their own, submits the job once both
   * own a partition, kills the worker that reports step 10, and reads the job to its committed end.
   */
  static Survived submitAndKillOne(String name, GenerationRequest request) throws Exception {
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), name + "crash", 2)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString())
        .with("model.intra.op.threads", "1").with("generation.batch.size", "32");
    WorkerProcess a = WorkerProcess.start("generation", config.with("worker.id", name + "-a"));
    WorkerProcess b = WorkerProcess.start("generation", config.with("worker.id", name + "-b"));
    Map<String, WorkerProcess> workers = Map.of(name + "-a", a, name + "-b", b);
    String job = request.getJobId();
    AtomicReference<String> killed = new AtomicReference<>();
    try (GenerationClient client = new GenerationClient(config)) {
      // Both workers own a partition before the job arrives, so only the kill moves it. A worker logs
      // an assignment only when it is not empty, and with cooperative rebalancing the second worker
      // gets its partition only after the first has given it up: two such lines = one partition each.
      a.awaitLog("generation worker " + name + "-a assigned [", Duration.ofSeconds(180));
      b.awaitLog("generation worker " + name + "-b assigned [", Duration.ofSeconds(180));
      client.submit(request);
      JobOutcome o = client.await(List.of(job), Map.of(job, request.getCount()), Duration.ofSeconds(300), e -> {
        if (killed.get() == null && e.getState() == JobState.RUNNING && e.getStep() >= 10) {
          killed.set(e.getWorkerId());
          try {
            workers.get(e.getWorkerId()).kill();
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
          }
        }
      }).get(job);
      assertThat(client.readToEnd(Map.of(job, o), Duration.ofSeconds(60))).as("read to the committed end").isTrue();
      return new Survived(o, killed.get());
    } finally {
      a.close();
      b.close();
    }
  }

  /** The job succeeded once, as the attempt after the killed worker's, with one result per image, all from the other worker. */
  static void assertCompletedElsewhere(Survived s, int count) {
    JobOutcome o = s.outcome();
    assertThat(s.killed()).as("a worker was killed mid-job").isNotNull();
    assertThat(o.last().getState()).as("events: " + o.events().stream().map(e -> e.getState() + "@" + e.getStep() + "#" + e.getAttempt())
        .toList()).isEqualTo(JobState.SUCCEEDED);
    assertThat(o.events().stream().filter(e -> e.getState() == JobState.SUCCEEDED)).hasSize(1);
    int killedAttempt = o.events().stream().filter(e -> e.getWorkerId().equals(s.killed()))
        .mapToInt(GenerationEvent::getAttempt).max().orElseThrow();
    GenerationEvent restart = o.events().stream().filter(e -> e.getAttempt() == killedAttempt + 1).findFirst().orElseThrow();
    assertThat(restart.getState()).isEqualTo(JobState.QUEUED);
    assertThat(restart.getReason()).contains("restarted");
    assertThat(restart.getWorkerId()).isNotEqualTo(s.killed());
    assertThat(o.last().getAttempt()).isEqualTo(killedAttempt + 1);
    assertThat(o.results()).hasSize(count);
    Map<Integer, List<GenerationResult>> byIndex = o.results().stream().collect(Collectors.groupingBy(GenerationResult::getIndex));
    assertThat(byIndex).hasSize(count);
    assertThat(o.results()).allMatch(r -> r.getAttempt() == killedAttempt + 1 && !r.getWorkerId().equals(s.killed()));
  }

  /**
   * Every image has the tokens of the same request computed directly, without Kafka or interruption;
   * {@code start} is how each image starts (a generation or an edit of a source).
   */
  static void assertSameAsUninterrupted(Survived s, GenerationRequest request, Function<GenerationModel, ImageStart> start)
      throws Exception {
    Map<Integer, List<Integer>> expected = uninterruptedTokens(request, start);
    int sameTokens = 0;
    for (GenerationResult r : s.outcome().results()) if (r.getTokenIds().equals(expected.get(r.getIndex()))) sameTokens++;
    assertThat(sameTokens).as("images identical to an uninterrupted run with the same seed").isEqualTo(request.getCount());
  }

  private static Map<Integer, List<Integer>> uninterruptedTokens(GenerationRequest request, Function<GenerationModel, ImageStart> start)
      throws Exception {
    int count = request.getCount();
    try (GenerationModel model = new GenerationModel(TestModels.modelDir(), Device.CPU, 1)) {
      GenerationLoop loop = new GenerationLoop(model, 32);
      LoopSettings s = new LoopSettings(request.getSteps(), Schedule.valueOf(request.getSchedule().name()),
          model.manifest().generation().temperature(), model.manifest().generation().choiceTemperature());
      List<ImageTrack> tracks = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        tracks.add(loop.newTrack(s, Uniforms.of(StreamSeeds.forImage(request.getSeed(), i)), start.apply(model)));
      }
      while (!tracks.stream().allMatch(ImageTrack::done)) loop.step(tracks);
      Map<Integer, List<Integer>> out = new HashMap<>();
      for (int i = 0; i < count; i++) {
        List<Integer> ids = new ArrayList<>();
        for (long id : tracks.get(i).ids()) ids.add((int) id);
        out.put(i, ids);
      }
      return out;
    }
  }
}
