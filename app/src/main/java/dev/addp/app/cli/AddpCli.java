package dev.addp.app.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `addp` command. */
@Command(name = "addp", mixinStandardHelpOptions = true, version = "addp-stream 0.1.0",
    description = "Kafka-native serving of ADDP: image recognition and generation over Kafka topics.",
    subcommands = {DemoCommand.class, ServeCommand.class, SubmitCommand.class, GenerateCommand.class, JobsCommand.class,
        CancelJobCommand.class, BenchCommand.class, AclsCommand.class})
public final class AddpCli {
  public static void main(String[] args) {
    int code = new CommandLine(new AddpCli()).setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(AddpCli::oneLine).execute(args);
    System.exit(code);
  }

  /** A model the workers cannot serve as its manifest says: one line naming the field, no stack trace. */
  private static int oneLine(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) throws Exception {
    if (e instanceof dev.addp.workers.model.RecognitionContract.ModelContractException) {
      cmd.getErr().println("addp " + cmd.getCommandName() + ": cannot serve " + e.getMessage());
      return 2;
    }
    throw e;
  }
}
