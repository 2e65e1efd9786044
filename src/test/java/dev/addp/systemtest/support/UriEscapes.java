package dev.addp.systemtest.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A folder to allow as {@code image.uri.roots}, a folder beside it that is not allowed, and
 * {@code file:} URIs that reach a PNG in each of them: directly, through {@code ..} (plain and
 * percent-encoded), and through symbolic links to a file and to a folder.
 */
public final class UriEscapes {
  private final Path root;
  private final Map<String, String> allowed = new LinkedHashMap<>();
  private final Map<String, String> escapes = new LinkedHashMap<>();

  private UriEscapes(Path root) { this.root = root; }

  public static UriEscapes create(Path dir, byte[] png) throws IOException {
    Path root = Files.createDirectories(dir.resolve("allowed"));
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.write(root.resolve("inside.png"), png);
    Files.write(outside.resolve("secret.png"), png);
    Files.createSymbolicLink(root.resolve("link-inside.png"), root.resolve("inside.png"));
    Files.createSymbolicLink(root.resolve("link-out.png"), outside.resolve("secret.png"));
    Files.createSymbolicLink(root.resolve("dir-out"), outside);
    UriEscapes u = new UriEscapes(root);
    u.allowed.put("uri-inside", root.resolve("inside.png").toUri().toString());
    u.allowed.put("uri-link-inside", root.resolve("link-inside.png").toUri().toString());
    u.escapes.put("uri-outside", outside.resolve("secret.png").toUri().toString());
    u.escapes.put("uri-etc-passwd", "file:///etc/passwd");
    u.escapes.put("uri-dot-dot", "file://" + root + "/../outside/secret.png");
    u.escapes.put("uri-encoded-dot-dot", "file://" + root + "/%2e%2e/outside/secret.png");
    u.escapes.put("uri-file-link-out", root.resolve("link-out.png").toUri().toString());
    u.escapes.put("uri-dir-link-out", "file://" + root + "/dir-out/secret.png");
    return u;
  }

  /** The value for {@code image.uri.roots}. */
  public String root() { return root.toString(); }

  /** Request id → URI of a file under the root (directly or through a link that stays there). */
  public Map<String, String> allowed() { return allowed; }

  /** Request id → URI that leaves the root one way or another. */
  public Map<String, String> escapes() { return escapes; }
}
