package dev.addp.app.folder;

import dev.addp.avro.DatasetProgress;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.Task;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A folder sent for recognition, shared by {@code addp annotate} and {@code addp submit}: scan
 * (recursive, by content), send what is not done yet, follow the progress table with a bar, and
 * account for every file.
 */
public final class FolderSubmission {
  /** Largest file sent inline: one Kafka record, less room for the request's other fields. */
  public static final long SEND_LIMIT = Topics.MAX_MESSAGE_BYTES - 64 * 1024;

  private final Path folder;
  private final String dataset;
  private final List<Task> tasks;
  private final PrintStream err;
  private List<FolderScan.ScannedFile> scanned;

  public FolderSubmission(Path folder, String dataset, List<Task> tasks, PrintStream err) {
    if (!Files.exists(folder)) throw new CliException("no folder " + folder.toAbsolutePath());
    if (!Files.isDirectory(folder)) throw new CliException(folder.toAbsolutePath() + " is a file, not a folder");
    if (dataset.isBlank() || dataset.contains("/")) throw new CliException("dataset name '" + dataset + "' must be non-empty and without '/'");
    this.folder = folder;
    this.dataset = dataset;
    this.tasks = tasks;
    this.err = err;
  }

  public static String defaultDataset(Path folder) {
    Path name = folder.toAbsolutePath().normalize().getFileName();
    return name == null ? "dataset" : dev.addp.schemas.Identifiers.nameFrom(name.toString(), "dataset");
  }

  public String dataset() { return dataset; }

  /** Lists the folder; files that cannot be sent at all (too large, unreadable) are said at once. */
  public List<FolderScan.ScannedFile> scan() throws IOException {
    scanned = FolderScan.scan(folder, SEND_LIMIT, s -> {
      if (s.skipReason().startsWith("too large") || s.skipReason().startsWith("unreadable")) {
        err.println("skipping " + s.relative() + ": " + s.skipReason());
      }
    });
    return scanned;
  }

  /**
   * Sends the files to send that {@code done} does not hold yet, waits for their outcomes and
   * {@code finished} (e.g. the export file has them), and accounts for every scanned file.
   *
   * @param done request ids already annotated (a resumed run), checked again at the end
   * @param annotatedNow request ids annotated according to the output, read when needed
   */
  public FolderReport run(AddpConfig config, Set<String> done, Supplier<Set<String>> annotatedNow,
                          Function<DatasetRun, Boolean> finished, Duration timeout) {
    List<FolderScan.ScannedFile> toSend = scanned.stream().filter(FolderScan.ScannedFile::toSend)
        .filter(f -> !done.contains(DatasetRun.requestId(dataset, f.relative()))).toList();
    long alreadyDone = scanned.stream().filter(FolderScan.ScannedFile::toSend).count() - toSend.size();
    if (alreadyDone > 0) err.printf("resuming: %d images already annotated in the output are not sent again%n", alreadyDone);
    Map<String, FileOutcome> failures = new LinkedHashMap<>();
    DatasetProgress progress;
    Map<String, DeadLetter> deadLetters;
    Set<String> answered;
    try (DatasetRun run = new DatasetRun(config, dataset, tasks);
         ProgressBar bar = new ProgressBarBuilder().setTaskName(dataset).setInitialMax(Math.max(1, toSend.size()))
             .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(err)).build()) {
      Map<String, FolderScan.ScannedFile> sent = run.send(toSend, toSend.size(), f -> {
        synchronized (failures) {
          failures.put(f.file(), f);
        }
        err.println("cannot send " + f.file() + ": " + f.message());
      });
      run.await(sent.keySet(), timeout, p -> {
        bar.stepTo(Math.min(toSend.size(), p.getAnnotated() + p.getDeadLettered()));
        bar.setExtraMessage(p.getAnnotated() + " annotated, " + p.getDeadLettered() + " dead-lettered");
      }, () -> finished.apply(run));
      progress = run.progress();
      deadLetters = run.deadLetters();
      answered = run.results().keySet();
    }
    Set<String> annotated = annotatedNow.get();
    List<FileOutcome> outcomes = new ArrayList<>();
    for (FolderScan.ScannedFile f : scanned) {
      String id = DatasetRun.requestId(dataset, f.relative());
      FileOutcome failure = failures.get(f.relative());
      if (!f.toSend()) {
        outcomes.add(new FileOutcome(f.relative(), FileOutcome.Status.SKIPPED, category(f.skipReason()), f.skipReason(), null));
      } else if (annotated.contains(id)) {
        outcomes.add(new FileOutcome(f.relative(), FileOutcome.Status.ANNOTATED, null, null, id));
      } else if (failure != null) {
        outcomes.add(failure);
      } else if (deadLetters.containsKey(id)) {
        DeadLetter d = deadLetters.get(id);
        outcomes.add(new FileOutcome(f.relative(), FileOutcome.Status.DEAD_LETTERED, d.getErrorType().toString(), d.getMessage(), id));
      } else {
        outcomes.add(new FileOutcome(f.relative(), FileOutcome.Status.NO_ANSWER, answered.contains(id)
            ? "result not in the output yet" : "no result or dead letter within " + timeout, null, id));
      }
    }
    return new FolderReport(dataset, folder, outcomes, progress);
  }

  /** "too large to send: 20 MB ..." → "too large to send". */
  static String category(String reason) {
    int cut = reason.length();
    for (char c : new char[] {':', '('}) {
      int i = reason.indexOf(c);
      if (i > 0) cut = Math.min(cut, i);
    }
    return reason.substring(0, cut).trim();
  }
}
