package dev.addp.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.addp.app.folder.FolderReport;
import dev.addp.app.folder.FolderSubmission;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.avro.Task;
import dev.addp.app.embedded.BundledRegistry;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.Topics;
import dev.addp.workers.recognition.RecognitionService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * Annotates a folder: every image through Kafka, the results exported by the COCO sink connector
 * (run in this process) into {@code --out}, every file accounted for in a report.
 */
@Command(name = "annotate", mixinStandardHelpOptions = true,
    description = "Annotate every image below a folder (recursively; images recognised by content) into a COCO 1.0 instances file "
        + "(--out), a JSON-lines export beside it and report.json. A rerun resumes: images already in --out are not sent again. "
        + "Without connection settings it starts the embedded stack; with -c/-D/ADDP_* it uses that cluster.")
final class AnnotateCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "folder of images") Path dir;
  @Option(names = "--tasks", split = ",", defaultValue = "CLASSIFY", description = "classify, detect, segment (comma-separated)")
  List<Task> tasks;
  @Option(names = "--out", required = true, description = "COCO instances file to write (the .jsonl export and report.json go beside it)")
  Path out;
  @Option(names = "--dataset", description = "dataset id (default: the folder name)") String dataset;
  @Option(names = "--timeout", defaultValue = "PT30M", description = "how long to wait for every outcome (ISO-8601, default ${DEFAULT-VALUE})")
  Duration timeout;
  @Option(names = "--model", defaultValue = RecognitionService.DEFAULT_MODEL_DIR, description = "model directory (embedded mode)") Path model;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public Integer call() throws Exception {
    String name = dataset != null ? dataset : FolderSubmission.defaultDataset(dir);
    String badName = dev.addp.schemas.Identifiers.nameProblem("dataset", name);
    if (badName != null) throw new dev.addp.app.folder.CliException("--dataset: " + badName);
    FolderSubmission submission = new FolderSubmission(dir, name, tasks, System.err);
    submission.scan();
    Path coco = out.toAbsolutePath();
    Set<String> done = annotatedIn(coco);
    AddpConfig config = connection.load().with("model.dir", model.toString());
    boolean embedded = config.get(AddpConfig.BOOTSTRAP_SERVERS, "").isBlank();
    FolderReport report;
    if (embedded) {
      System.err.println("no cluster configured: starting the embedded stack ...");
      try (EmbeddedStack stack = EmbeddedStack.start(config.with("status.http.port", "0").with(AddpConfig.WORKER_ID, "annotate-worker"), 4, BundledRegistry.location());
           RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION, ProcessRole.STATUS, ProcessRole.CONNECT),
               exportTo(stack.config(), submission.dataset(), coco))) {
        roles.awaitReady(Duration.ofSeconds(120));
        report = run(submission, stack.config(), done, coco);
      }
    } else {
      dev.addp.app.folder.ClusterCheck.brokerAndRegistry(config);
      try (RoleRunner roles = RoleRunner.start(List.of(ProcessRole.CONNECT), exportTo(config, submission.dataset(), coco))) {
        report = run(submission, config, done, coco);
      }
    }
    report.print(System.err);
    Path reportFile = coco.resolveSibling("report.json");
    report.write(reportFile);
    System.err.printf("COCO instances: %s · JSON lines: %s · report: %s%n", coco, jsonLines(coco), reportFile);
    return report.everyFileAnswered() ? 0 : 1;
  }

  private FolderReport run(FolderSubmission submission, AddpConfig config, Set<String> done, Path coco) {
    return submission.run(config, done, () -> annotatedIn(coco),
        run -> annotatedIn(coco).containsAll(run.results().keySet()), timeout);
  }

  /** The COCO sink connector, in this process, writing only this dataset to the --out file. */
  static AddpConfig exportTo(AddpConfig config, String dataset, Path coco) {
    return config.with("connect.coco.dir", coco.getParent().toString())
        .with("connect.coco.file.template", coco.getFileName().toString())
        .with("connect.coco.datasets", dataset)
        .with("connect.coco.name", Topics.from(config).prefix() + "coco-" + dataset);
  }

  static Path jsonLines(Path coco) {
    String n = coco.getFileName().toString();
    return coco.resolveSibling((n.endsWith(".json") ? n.substring(0, n.length() - 5) : n) + ".jsonl");
  }

  /** Request ids of the images the file holds (none when it does not exist yet). */
  static Set<String> annotatedIn(Path coco) {
    Set<String> ids = new HashSet<>();
    if (!Files.exists(coco)) return ids;
    try {
      for (JsonNode img : JSON.readTree(coco.toFile()).path("images")) ids.add(img.path("request_id").asText());
    } catch (IOException e) {
      throw new dev.addp.app.folder.CliException("cannot read the existing output " + coco + ": " + e.getMessage());
    }
    return ids;
  }
}
