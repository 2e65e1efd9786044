package dev.addp.processors.ingest;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.platform.image.ImageRejectedException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;

/**
 * The encoded bytes of a request's image: inline bytes, or a {@code file:} URI under one of the
 * allowed roots (anything else is refused, so a request cannot read arbitrary files).
 */
final class ImageSource {
  private final List<Path> allowedRoots;
  private final long maxBytes;

  ImageSource(List<Path> allowedRoots, long maxBytes) {
    this.allowedRoots = allowedRoots.stream().map(p -> p.toAbsolutePath().normalize()).toList();
    this.maxBytes = maxBytes;
  }

  byte[] bytesOf(ImageRequest request) {
    ByteBuffer inline = request.getImageBytes();
    if (inline != null) {
      byte[] b = new byte[inline.remaining()];
      inline.duplicate().get(b);
      return b;
    }
    String uri = request.getImageUri();
    if (uri == null) throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "request has neither image_bytes nor image_uri");
    return readUri(uri);
  }

  private byte[] readUri(String uri) {
    Path path;
    try {
      URI u = URI.create(uri);
      if (!"file".equalsIgnoreCase(u.getScheme())) throw new IllegalArgumentException("only file: URIs are read");
      path = Paths.get(u).toAbsolutePath().normalize();
    } catch (IllegalArgumentException e) {
      throw new ImageRejectedException(ErrorType.IMAGE_URI_UNREADABLE, "image_uri '" + uri + "': " + e.getMessage(), e);
    }
    if (allowedRoots.stream().noneMatch(path::startsWith)) {
      throw new ImageRejectedException(ErrorType.IMAGE_URI_UNREADABLE,
          "image_uri " + path + " is outside the allowed roots (setting image.uri.roots)");
    }
    try {
      long size = Files.size(path);
      if (size > maxBytes) {
        throw new ImageRejectedException(ErrorType.IMAGE_TOO_LARGE, path + " has " + size + " bytes, the limit is " + maxBytes);
      }
      return Files.readAllBytes(path);
    } catch (IOException e) {
      throw new ImageRejectedException(ErrorType.IMAGE_URI_UNREADABLE, "cannot read " + path + ": " + e, e);
    }
  }
}
