package dev.addp.systemtest.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.GenerationClient.JobOutcome;
import dev.addp.avro.EditSource;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.JobState;
import dev.addp.avro.Schedule;
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
import dev.addp.workers.generation.StreamSeeds;
import dev.addp.workers.generation.Uniforms;
import dev.addp.workers.onnx.Device;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * An edit job's worker killed (SIGKILL) in the middle of the job: the job completes on the other
 * worker as a new attempt, with exactly one result per image, the source's tokens outside the
 * region, and the images the seed determines (the same tokens as an uninterrupted edit).
 */
class EditCrashIT {
  static final float[] BOX = {4, 10, 20, 10};
  static final int COUNT = 12;
  static final int STEPS = 120;
  static final long SEED = 42;

  @Test
  void aKilledWorkersJobCompletesElsewhereWithExactlyOneResultPerImage() throws Exception {
    EditSourceFixture source = EditSourceFixture.of(3, BOX);
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "editcrash", 2)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString())
        .with("model.intra.op.threads", "1").with("generation.batch.size", "32");
    WorkerProcess a = WorkerProcess.start("generation", config.with("worker.id", "edit-a"));
    WorkerProcess b = WorkerProcess.start("generation", config.with("worker.id", "edit-b"));
    Map<String, WorkerProcess> workers = Map.of("edit-a", a, "edit-b", b);
    String job = "edit-crash-job";
    AtomicReference<String> killed = new AtomicReference<>();
    try (GenerationClient client = new GenerationClient(config)) {
      // Both workers own a partition before the job arrives, so only the kill moves it. A worker logs
      // an assignment only when it is not empty, and with cooperative rebalancing the second worker
      // gets its partition only after the first has given it up: two such lines = one partition each.
      a.awaitLog("generation worker edit-a assigned [", Duration.ofSeconds(60));
      b.awaitLog("generation worker edit-b assigned [", Duration.ofSeconds(60));
      client.submit(GenerationRequest.newBuilder().setJobId(job).setCount(COUNT).setSteps(STEPS).setSchedule(Schedule.LINEAR)
          .setSeed(SEED).setEdit(EditSource.newBuilder().setImageBytes(ByteBuffer.wrap(source.png()))
              .setBox(List.of(BOX[0], BOX[1], BOX[2], BOX[3])).build())
          .setSubmittedAtMs(System.currentTimeMillis()).build());
      JobOutcome o = client.await(List.of(job), Map.of(job, COUNT), Duration.ofSeconds(300), e -> {
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

      assertThat(killed.get()).as("a worker was killed mid-job").isNotNull();
      assertThat(o.last().getState()).as("events: " + o.events().stream().map(e -> e.getState() + "@" + e.getStep() + "#" + e.getAttempt())
          .toList()).isEqualTo(JobState.SUCCEEDED);
      assertThat(o.events().stream().filter(e -> e.getState() == JobState.SUCCEEDED)).hasSize(1);
      int killedAttempt = o.events().stream().filter(e -> e.getWorkerId().equals(killed.get()))
          .mapToInt(GenerationEvent::getAttempt).max().orElseThrow();
      GenerationEvent restart = o.events().stream().filter(e -> e.getAttempt() == killedAttempt + 1).findFirst().orElseThrow();
      assertThat(restart.getState()).isEqualTo(JobState.QUEUED);
      assertThat(restart.getReason()).contains("restarted");
      assertThat(restart.getWorkerId()).isNotEqualTo(killed.get());
      assertThat(o.last().getAttempt()).isEqualTo(killedAttempt + 1);
      assertThat(o.results()).hasSize(COUNT);
      Map<Integer, List<GenerationResult>> byIndex = o.results().stream().collect(Collectors.groupingBy(GenerationResult::getIndex));
      assertThat(byIndex).hasSize(COUNT);
      assertThat(o.results()).allMatch(r -> r.getAttempt() == killedAttempt + 1 && !r.getWorkerId().equals(killed.get()));

      assertThat(o.results()).allSatisfy(r -> assertThat(source.changedOutsideRegion(r)).as("tokens changed outside the region").isEmpty());
      Map<Integer, List<Integer>> expected = uninterruptedTokens(source);
      int sameTokens = 0;
      for (GenerationResult r : o.results()) if (r.getTokenIds().equals(expected.get(r.getIndex()))) sameTokens++;
      assertThat(sameTokens).as("images identical to an uninterrupted run with the same seed").isEqualTo(COUNT);
    } finally {
      a.close();
      b.close();
    }
  }

  /** The same edit computed directly, without Kafka or interruption. */
  private static Map<Integer, List<Integer>> uninterruptedTokens(EditSourceFixture source) throws Exception {
    long[] sourceIds = source.sourceTokens().stream().mapToLong(Integer::longValue).toArray();
    boolean[] region = new boolean[sourceIds.length];
    source.regionPositions().forEach(p -> region[p] = true);
    try (GenerationModel model = new GenerationModel(TestModels.modelDir(), Device.CPU, 1)) {
      GenerationLoop loop = new GenerationLoop(model, 32);
      LoopSettings s = new LoopSettings(STEPS, dev.addp.workers.generation.Schedule.LINEAR,
          model.manifest().generation().temperature(), model.manifest().generation().choiceTemperature());
      List<ImageTrack> tracks = new ArrayList<>();
      for (int i = 0; i < COUNT; i++) {
        tracks.add(loop.newTrack(s, Uniforms.of(StreamSeeds.forImage(SEED, i)), ImageStart.edit(model.noLabel(), sourceIds, region)));
      }
      while (!tracks.stream().allMatch(ImageTrack::done)) loop.step(tracks);
      Map<Integer, List<Integer>> out = new HashMap<>();
      for (int i = 0; i < COUNT; i++) {
        List<Integer> ids = new ArrayList<>();
        for (long id : tracks.get(i).ids()) ids.add((int) id);
        out.put(i, ids);
      }
      return out;
    }
  }
}
