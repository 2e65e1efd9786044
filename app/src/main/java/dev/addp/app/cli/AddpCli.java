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
    int code = new CommandLine(new AddpCli()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    System.exit(code);
  }
}
