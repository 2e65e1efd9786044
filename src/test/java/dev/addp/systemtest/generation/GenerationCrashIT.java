package dev.addp.systemtest.generation;

import dev.addp.avro.GenerationRequest;
import dev.addp.avro.Schedule;
import dev.addp.workers.generation.ImageStart;
import org.junit.jupiter.api.Test;

/**
 * A generation worker killed (SIGKILL) in the middle of a job: the job completes on the other
 * worker as a new attempt, with exactly one result per image, and the images are the ones the seed
 * determines (the same tokens as an uninterrupted run).
 */
class GenerationCrashIT {
  static final int COUNT = 24;
  static final int STEPS = 120;
  static final long SEED = 42;

  @Test
  void aKilledWorkersJobCompletesElsewhereWithExactlyOneResultPerImage() throws Exception {
    GenerationRequest request = GenerationRequest.newBuilder().setJobId("crash-job").setCount(COUNT).setSteps(STEPS)
        .setSchedule(Schedule.LINEAR).setSeed(SEED).setSubmittedAtMs(System.currentTimeMillis()).build();
    WorkerKillHarness.Survived s = WorkerKillHarness.submitAndKillOne("gen", request);
    WorkerKillHarness.assertCompletedElsewhere(s, COUNT);
    WorkerKillHarness.assertSameAsUninterrupted(s, request, model -> ImageStart.generate(model.noLabel()));
  }
}
