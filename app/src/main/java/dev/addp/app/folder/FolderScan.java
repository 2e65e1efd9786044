package dev.addp.app.folder;

import dev.addp.platform.image.ImageFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Every regular file below a folder (recursively, in path order), each with what will happen to it:
 * sent, or skipped with the reason. Whether a file is an image is decided by its first bytes, not
 * its name. Only the first bytes are read here; the image itself is read when it is sent.
 */
public final class FolderScan {
  /** One file and the decision about it; {@code skipReason} is null for a file to send. */
  public record ScannedFile(Path path, String relative, long size, String format, String skipReason) {
    public boolean toSend() { return skipReason == null; }
  }

  private static final int SNIFF_BYTES = 512;

  private FolderScan() { }

  /**
   * @param sendLimit files larger than this cannot travel in one record and are skipped at once
   * @param onSkip told about each skipped file as it is found (so a too-large file is reported at once)
   */
  public static List<ScannedFile> scan(Path root, long sendLimit, Consumer<ScannedFile> onSkip) throws IOException {
    List<Path> files = new ArrayList<>();
    List<ScannedFile> unlisted = new ArrayList<>();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        if (attrs.isRegularFile()) files.add(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) {
        unlisted.add(new ScannedFile(file, relative(root, file), 0, null, "unreadable: " + e.getMessage()));
        return FileVisitResult.CONTINUE;
      }
    });
    files.sort(Comparator.naturalOrder());
    List<ScannedFile> out = new ArrayList<>(unlisted);
    for (Path f : files) {
      ScannedFile s = classify(root, f, sendLimit);
      if (!s.toSend()) onSkip.accept(s);
      out.add(s);
    }
    unlisted.forEach(onSkip);
    out.sort(Comparator.comparing(ScannedFile::relative));
    return out;
  }

  static ScannedFile classify(Path root, Path f, long sendLimit) {
    String rel = relative(root, f);
    long size;
    byte[] head;
    try (InputStream in = Files.newInputStream(f)) {
      size = Files.size(f);
      head = in.readNBytes(SNIFF_BYTES);
    } catch (IOException e) {
      return new ScannedFile(f, rel, 0, null, "unreadable: " + e.getMessage());
    }
    if (size == 0) return new ScannedFile(f, rel, 0, null, "empty file (0 bytes)");
    String format = ImageFormat.sniff(head).map(ImageFormat::label).orElse(null);
    if (format == null) return new ScannedFile(f, rel, size, null, "not an image (no image signature in its first bytes)");
    if (size > sendLimit) {
      return new ScannedFile(f, rel, size, format, String.format(java.util.Locale.ROOT, "too large to send: %,d bytes, the limit of one Kafka record is %,d bytes",
          size, sendLimit));
    }
    return new ScannedFile(f, rel, size, format, null);
  }

  /** The path below the root with '/' separators: the stable part of the request id. */
  static String relative(Path root, Path f) {
    Path r = root.relativize(f);
    List<String> parts = new ArrayList<>();
    r.forEach(p -> parts.add(p.toString()));
    return String.join("/", parts);
  }
}
