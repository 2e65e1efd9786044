package dev.addp.app.folder;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.addp.avro.DatasetProgress;
import dev.addp.connectors.files.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Every file of a folder with its outcome: printed as a summary plus one line per file not annotated, and written as JSON. */
public record FolderReport(String dataset, Path folder, List<FileOutcome> files, DatasetProgress progress) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public long count(FileOutcome.Status s) { return files.stream().filter(f -> f.status() == s).count(); }

  /** Reason → files, for one status ("not an image", "TRUNCATED_IMAGE", ...). */
  public Map<String, Long> reasons(FileOutcome.Status s) {
    return files.stream().filter(f -> f.status() == s)
        .collect(Collectors.groupingBy(FileOutcome::reason, TreeMap::new, Collectors.counting()));
  }

  public boolean everyFileAnswered() { return count(FileOutcome.Status.NO_ANSWER) == 0 && count(FileOutcome.Status.SEND_FAILED) == 0; }

  public void print(PrintStream out) {
    for (FileOutcome f : files) {
      if (f.status() == FileOutcome.Status.ANNOTATED) continue;
      String why = f.message() == null || f.message().isBlank() ? f.reason()
          : f.message().startsWith(f.reason()) ? oneLine(f.message()) : f.reason() + " (" + oneLine(f.message()) + ")";
      out.printf("  %-13s %s: %s%n", f.status().toString().toLowerCase().replace('_', '-'), f.file(), why);
    }
    out.printf("%d files: %d annotated, %d dead-lettered %s, %d skipped %s, %d send failures, %d without an answer%n", files.size(),
        count(FileOutcome.Status.ANNOTATED), count(FileOutcome.Status.DEAD_LETTERED), reasons(FileOutcome.Status.DEAD_LETTERED),
        count(FileOutcome.Status.SKIPPED), reasons(FileOutcome.Status.SKIPPED), count(FileOutcome.Status.SEND_FAILED),
        count(FileOutcome.Status.NO_ANSWER));
  }

  private static String oneLine(String s) {
    String l = s.replaceAll("\\s+", " ").trim();
    return l.length() > 160 ? l.substring(0, 157) + "..." : l;
  }

  public void write(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("dataset", dataset);
    root.put("folder", folder.toAbsolutePath().toString());
    ObjectNode counts = root.putObject("counts");
    counts.put("files", files.size());
    for (FileOutcome.Status s : FileOutcome.Status.values()) counts.put(s.toString().toLowerCase(), count(s));
    ObjectNode dl = root.putObject("dead_lettered_by_reason");
    reasons(FileOutcome.Status.DEAD_LETTERED).forEach(dl::put);
    ObjectNode sk = root.putObject("skipped_by_reason");
    reasons(FileOutcome.Status.SKIPPED).forEach(sk::put);
    if (progress != null) {
      ObjectNode p = root.putObject("progress_table");
      p.put("total", progress.getTotal());
      p.put("annotated", progress.getAnnotated());
      p.put("dead_lettered", progress.getDeadLettered());
      ObjectNode by = p.putObject("dead_lettered_by_reason");
      new TreeMap<>(progress.getDeadLetteredByReason()).forEach(by::put);
      p.put("complete", progress.getComplete());
    }
    ArrayNode list = root.putArray("files");
    for (FileOutcome f : files) {
      ObjectNode n = list.addObject();
      n.put("file", f.file());
      n.put("status", f.status().toString().toLowerCase());
      if (f.reason() != null) n.put("reason", f.reason());
      if (f.message() != null) n.put("message", f.message());
      if (f.requestId() != null) n.put("request_id", f.requestId());
    }
    AtomicFiles.write(file, JSON.writeValueAsBytes(root));
  }
}
