package dev.addp.app.cli;

import dev.addp.app.embedded.BundledRegistry;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.JobState;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/** What the generate and edit commands share: where the job runs, and one job submitted, followed on a bar, and judged. */
final class SingleJob {
  private SingleJob() { }

  /** The command's work against a cluster's settings. */
  interface Work {
    int run(AddpConfig config) throws Exception;
  }

  /** A job that ended; {@code exitCode} 0 when it succeeded, and then {@code outcome} holds its results. */
  record Ended(GenerationClient.JobOutcome outcome, double seconds, int exitCode) { }

  /**
   * Runs {@code work} against the configured cluster or, with none configured, against an embedded stack
   * running {@code roles} with the model in {@code model}.
   */
  static int onClusterOrEmbedded(AddpConfig config, Path model, String workerId, List<ProcessRole> roles, Work work) throws Exception {
    if (!config.get(Settings.BOOTSTRAP_SERVERS, "").isBlank()) return work.run(config);
    System.err.println("no cluster configured: starting the embedded stack ...");
    AddpConfig base = config.with("model.dir", model.toString()).with("status.http.port", "0").with(AddpConfig.WORKER_ID, workerId);
    try (EmbeddedStack stack = EmbeddedStack.start(base, 4, BundledRegistry.location());
         RoleRunner runner = RoleRunner.start(roles, stack.config())) {
      runner.awaitReady(Duration.ofSeconds(60));
      return work.run(stack.config());
    }
  }

  /**
   * Submits the job, shows its steps on a progress bar until it ends, and says in one line why when it
   * did not succeed: exit code 2 with no answer within the timeout, 1 when it ended otherwise.
   */
  static Ended run(AddpConfig config, GenerationRequest request, Integer steps) throws Exception {
    String id = request.getJobId();
    GenerationClient.JobOutcome o;
    long t0 = System.nanoTime();
    try (GenerationClient client = new GenerationClient(config);
         ProgressBar bar = new ProgressBarBuilder().setTaskName(id).setInitialMax(steps == null ? 1 : steps).build()) {
      client.submit(request);
      o = client.await(List.of(id), Map.of(id, request.getCount()), Duration.ofHours(1), e -> progress(bar, e)).get(id);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (o.events().isEmpty()) {
      System.err.println("job " + id + ": no answer within the timeout");
      return new Ended(o, seconds, 2);
    }
    GenerationEvent last = o.last();
    if (last.getState() != JobState.SUCCEEDED) {
      System.err.printf("job %s ended %s: %s %s%n", id, last.getState(), last.getErrorType(), last.getReason());
      return new Ended(o, seconds, 1);
    }
    return new Ended(o, seconds, 0);
  }

  /** A job's progress event on its bar. */
  private static void progress(ProgressBar bar, GenerationEvent e) {
    if (e.getTotalSteps() > 0) bar.maxHint(e.getTotalSteps());
    bar.stepTo(e.getStep());
    bar.setExtraMessage(e.getState().toString());
  }
}
