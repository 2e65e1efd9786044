package dev.addp.app.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Reads the job-status table served by the STATUS role. */
@Command(name = "jobs", mixinStandardHelpOptions = true, description = "Show a generation job's status (or all jobs) from the status service.")
final class JobsCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", description = "job id (omit to list jobs)")
  String jobId;

  @Mixin StatusService status;

  @Override
  public Integer call() throws Exception {
    return status.print("jobs", jobId);
  }
}
