package dev.addp.app.cli;

import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.avro.RecognitionResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Sends the images of a folder for recognition and prints what comes back. */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Send every image file of a folder (png, jpg, jpeg, gif, bmp, webp) to the raw images topic; "
        + "wait for the results and print them as JSON lines.")
final class SubmitCommand implements Callable<Integer> {
  @Option(names = "--dir", required = true, description = "folder of images")
  Path dir;

  @Option(names = "--dataset", description = "dataset name (default: the folder name)")
  String dataset;

  @Option(names = "--timeout", defaultValue = "PT5M", description = "how long to wait for all results (ISO-8601, default ${DEFAULT-VALUE})")
  Duration timeout;

  @Mixin
  ConnectionOptions connection = new ConnectionOptions();

  @Override
  public Integer call() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(Files::isRegularFile).filter(SubmitCommand::isImage).sorted().toList();
    }
    String name = dataset != null ? dataset : dir.toAbsolutePath().getFileName().toString();
    RecognitionRoundTrip.Outcome o = new RecognitionRoundTrip(connection.load()).run(name, files.size(), i -> {
      try {
        return new RecognitionRoundTrip.Item(name + "/" + files.get(i).getFileName(), Files.readAllBytes(files.get(i)),
            Map.of("file", files.get(i).toString()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, timeout, true);
    for (RecognitionResult r : o.results().values()) System.out.println(r);
    o.deadLetters().values().forEach(d -> System.out.println(d));
    int missing = files.size() - o.results().size() - o.deadLetters().size();
    System.err.printf("%d images: %d results, %d dead letters, %d without an answer%n", files.size(), o.results().size(),
        o.deadLetters().size(), missing);
    return missing == 0 ? 0 : 1;
  }

  private static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".gif") || n.endsWith(".bmp") || n.endsWith(".webp");
  }
}
