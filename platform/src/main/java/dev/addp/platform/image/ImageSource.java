package dev.addp.platform.image;

import dev.addp.avro.ErrorType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * The encoded bytes of a request's image: inline bytes, or a {@code file:} URI under one of the
 * allowed roots (anything else is refused, so a request cannot read arbitrary files). The ingest
 * stage reads recognition input with it and the generation workers read edit sources with it.
 *
 * <p>A path is checked twice: as written, normalized (so {@code ..} cannot climb out of a root),
 * and as the file system resolves it (so a symbolic link under a root cannot point outside it);
 * the roots themselves are resolved the same way. The resolved file is then opened without
 * following a link and read at most {@code maxBytes + 1} bytes, so a link swapped in after the check
 * or a device file cannot make it read something else or read without end.
 */
public final class ImageSource {
  /** The roots as configured (absolute, normalized), for paths as written. */
  private final List<Path> roots;
  /** The roots as the file system resolves them, for resolved paths. */
  private final List<Path> realRoots;
  private final long maxBytes;

  public ImageSource(List<Path> allowedRoots, long maxBytes) {
    this.roots = allowedRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    this.realRoots = roots.stream().map(ImageSource::resolved).toList();
    this.maxBytes = maxBytes;
  }

  /** The allowed roots of setting {@code image.uri.roots} (comma-separated; none = no URI is read). */
  public static ImageSource from(dev.addp.platform.config.AddpConfig config) {
    List<Path> roots = config.getList(dev.addp.platform.config.Settings.IMAGE_URI_ROOTS).stream().map(Path::of).toList();
    return new ImageSource(roots, ImageLimits.from(config).maxBytes());
  }

  /** The image's bytes: {@code inline} when given, else the file {@code uri} names. */
  public byte[] bytesOf(ByteBuffer inline, String uri) {
    if (inline != null) {
      byte[] b = new byte[inline.remaining()];
      inline.duplicate().get(b);
      return b;
    }
    if (uri == null) throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "request has neither image_bytes nor image_uri");
    return readUri(uri);
  }

  private byte[] readUri(String uri) {
    Path path;
    try {
      URI u = URI.create(uri);
      if (!"file".equalsIgnoreCase(u.getScheme())) throw new IllegalArgumentException("only file: URIs are read");
      path = Paths.get(u).toAbsolutePath().normalize();
    } catch (IllegalArgumentException | FileSystemNotFoundException e) {
      throw new ImageRejectedException(ErrorType.IMAGE_URI_UNREADABLE, "image_uri '" + uri + "': " + e.getMessage(), e);
    }
    if (!under(roots, path)) throw outside(path, path);
    Path real;
    try {
      real = path.toRealPath();
    } catch (IOException e) {
      throw new ImageRejectedException(ErrorType.IMAGE_URI_UNREADABLE, "cannot read " + path + ": " + e, e);
    }
    if (!under(realRoots, real)) throw outside(path, real);
    if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
      throw new ImageRejectedException(ErrorType.IMAGE_URI_UNREADABLE, "image_uri " + path + " is not a regular file");
    }
    try (InputStream in = Files.newInputStream(real, LinkOption.NOFOLLOW_LINKS)) {
      byte[] b = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
      if (b.length > maxBytes) {
        throw new ImageRejectedException(ErrorType.IMAGE_TOO_LARGE, path + " has more than " + maxBytes + " bytes, the limit");
      }
      return b;
    } catch (IOException e) {
      throw new ImageRejectedException(ErrorType.IMAGE_URI_UNREADABLE, "cannot read " + path + ": " + e, e);
    }
  }

  private static boolean under(List<Path> roots, Path p) { return roots.stream().anyMatch(p::startsWith); }

  private static ImageRejectedException outside(Path given, Path resolved) {
    return new ImageRejectedException(ErrorType.IMAGE_URI_UNREADABLE, "image_uri " + given
        + (given.equals(resolved) ? "" : " (a link to " + resolved + ")") + " is outside the allowed roots (setting image.uri.roots)");
  }

  /** A root as the file system resolves it (links followed); as written when it does not exist. */
  private static Path resolved(Path root) {
    try {
      return root.toRealPath();
    } catch (IOException e) {
      return root;
    }
  }
}
