package dev.addp.app.cli;

import dev.addp.app.folder.ClusterCheck;
import dev.addp.app.folder.FolderReport;
import dev.addp.app.folder.FolderSubmission;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.Task;
import dev.addp.app.embedded.BundledRegistry;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Sends the images below a folder for recognition and prints what comes back (the same folder handling as annotate). */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Send every image below a folder (recursively; images recognised by content) to the raw images topic, wait for "
        + "the outcomes, print the results as JSON lines and account for every file. Without connection settings it starts "
        + "the embedded stack; with -c/-D/ADDP_* it uses that cluster.")
final class SubmitCommand implements Callable<Integer> {
  @Option(names = "--dir", required = true, description = "folder of images")
  Path dir;

  @Option(names = "--dataset", description = "dataset name (default: the folder name)")
  String dataset;

  @Option(names = "--tasks", split = ",", defaultValue = "CLASSIFY", description = "classify, detect, segment (comma-separated)")
  List<Task> tasks;

  @Option(names = "--timeout", defaultValue = "PT5M", description = "how long to wait for all results (ISO-8601, default ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(names = "--model", defaultValue = RecognitionService.DEFAULT_MODEL_DIR, description = "model directory (embedded mode)") Path model;

  @Mixin
  ConnectionOptions connection = new ConnectionOptions();

  @Override
  public Integer call() throws Exception {
    FolderSubmission submission = new FolderSubmission(dir, dataset != null ? dataset : FolderSubmission.defaultDataset(dir), tasks, System.err);
    submission.scan();
    AddpConfig config = connection.load().with("model.dir", model.toString());
    Map<String, RecognitionResult> results = new ConcurrentHashMap<>();
    FolderReport report;
    if (config.get(AddpConfig.BOOTSTRAP_SERVERS, "").isBlank()) {
      System.err.println("no cluster configured: starting the embedded stack ...");
      try (EmbeddedStack stack = EmbeddedStack.start(config.with("status.http.port", "0").with(AddpConfig.WORKER_ID, "submit-worker"), 4, BundledRegistry.location());
           RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION, ProcessRole.STATUS), stack.config())) {
        roles.awaitReady(Duration.ofSeconds(120));
        report = run(submission, stack.config(), results);
      }
    } else {
      ClusterCheck.brokerAndRegistry(config);
      report = run(submission, config, results);
    }
    results.values().forEach(System.out::println);
    report.print(System.err);
    return report.everyFileAnswered() ? 0 : 1;
  }

  private FolderReport run(FolderSubmission submission, AddpConfig config, Map<String, RecognitionResult> results) {
    return submission.run(config, Set.of(), () -> results.keySet(), run -> {
      results.putAll(run.results());
      return true;
    }, timeout);
  }
}
