package dev.addp.app.cli;

import dev.addp.app.run.GenerationClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Cancels a generation job through the control topic. */
@Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a generation job (its worker stops it within one step).")
final class CancelJobCommand implements Callable<Integer> {
  @Parameters(description = "job id") String jobId;
  @Option(names = "--reason") String reason;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  public Integer call() throws Exception {
    String badId = dev.addp.schemas.Identifiers.nameProblem("job_id", jobId);
    if (badId != null) throw new dev.addp.app.folder.CliException(badId);
    GenerationClient.sendCancel(connection.load(), jobId, reason);
    System.err.println("cancel sent for " + jobId);
    return 0;
  }
}
