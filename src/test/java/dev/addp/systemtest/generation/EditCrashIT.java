package dev.addp.systemtest.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.EditSource;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.Schedule;
import dev.addp.workers.generation.ImageStart;
import java.nio.ByteBuffer;
import java.util.List;
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
    GenerationRequest request = GenerationRequest.newBuilder().setJobId("edit-crash-job").setCount(COUNT).setSteps(STEPS)
        .setSchedule(Schedule.LINEAR).setSeed(SEED).setEdit(EditSource.newBuilder().setImageBytes(ByteBuffer.wrap(source.png()))
            .setBox(List.of(BOX[0], BOX[1], BOX[2], BOX[3])).build())
        .setSubmittedAtMs(System.currentTimeMillis()).build();
    WorkerKillHarness.Survived s = WorkerKillHarness.submitAndKillOne("edit", request);
    WorkerKillHarness.assertCompletedElsewhere(s, COUNT);
    assertThat(s.outcome().results())
        .allSatisfy(r -> assertThat(source.changedOutsideRegion(r)).as("tokens changed outside the region").isEmpty());
    long[] sourceIds = source.sourceTokens().stream().mapToLong(Integer::longValue).toArray();
    boolean[] region = new boolean[sourceIds.length];
    source.regionPositions().forEach(p -> region[p] = true);
    WorkerKillHarness.assertSameAsUninterrupted(s, request, model -> ImageStart.edit(model.noLabel(), sourceIds, region));
  }
}
