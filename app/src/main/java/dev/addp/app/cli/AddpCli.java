package dev.addp.app.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The `addp` command. */
@Command(name = "addp", mixinStandardHelpOptions = true, version = "addp-stream 0.1.0",
    description = "Kafka-native serving of ADDP: image recognition and generation over Kafka topics.",
    subcommands = {DemoCommand.class, ServeCommand.class, AnnotateCommand.class, SubmitCommand.class, DatasetsCommand.class,
        GenerateCommand.class, EditCommand.class, JobsCommand.class, CancelJobCommand.class, BenchCommand.class, AclsCommand.class,
        UsersCommand.class})
public final class AddpCli {
  /**
   * A failed command says why in one line (ADDP_DEBUG=1 adds the stack trace): the cause chain's
   * messages, innermost last, without repeats.
   */
  static int oneLine(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
    StringBuilder sb = new StringBuilder();
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().replaceAll("\\s+", " ").trim();
      if (seen.add(m) && (sb.length() == 0 || !sb.toString().contains(m))) sb.append(sb.length() == 0 ? "" : ": ").append(m);
      if (t instanceof dev.addp.app.folder.CliException) break;
    }
    cmd.getErr().println("addp " + cmd.getCommandName() + ": " + sb);
    if ("1".equals(System.getenv("ADDP_DEBUG"))) e.printStackTrace(cmd.getErr());
    return 2;
  }

  public static void main(String[] args) {
    int code = new CommandLine(new AddpCli()).setCaseInsensitiveEnumValuesAllowed(true)
        .setExecutionExceptionHandler(AddpCli::oneLine).execute(args);
    System.exit(code);
  }
}
