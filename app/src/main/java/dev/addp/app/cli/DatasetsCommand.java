package dev.addp.app.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** Reads the per-dataset progress table served by the STATUS role. */
@Command(name = "datasets", mixinStandardHelpOptions = true,
    description = "Show a dataset's progress (submitted total, annotated, dead-lettered by reason, complete) or every dataset's, from the status service.")
final class DatasetsCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", description = "dataset id (omit to list datasets)")
  String dataset;

  @Mixin StatusService status;

  @Override
  public Integer call() throws Exception {
    return status.print("datasets", dataset);
  }
}
