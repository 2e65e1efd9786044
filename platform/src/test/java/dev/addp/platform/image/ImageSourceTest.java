package dev.addp.platform.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.avro.ErrorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** file: URIs are read only under the allowed roots, whatever the path says or links to. */
class ImageSourceTest {
  @TempDir Path tmp;
  private Path root;
  private Path outside;
  private ImageSource source;

  @BeforeEach
  void files() throws Exception {
    root = Files.createDirectories(tmp.resolve("root"));
    outside = Files.createDirectories(tmp.resolve("outside"));
    Files.write(root.resolve("in.png"), new byte[] {1, 2, 3});
    Files.write(outside.resolve("secret.png"), new byte[] {9, 9});
    source = new ImageSource(List.of(root), 16);
  }

  @Test
  void readsAFileUnderARoot() {
    assertThat(source.bytesOf(null, root.resolve("in.png").toUri().toString())).containsExactly(1, 2, 3);
  }

  @Test
  void readsThroughALinkThatStaysUnderTheRoot() throws Exception {
    Files.createSymbolicLink(root.resolve("alias.png"), root.resolve("in.png"));
    assertThat(source.bytesOf(null, root.resolve("alias.png").toUri().toString())).containsExactly(1, 2, 3);
  }

  @Test
  void refusesAPathOutsideEveryRoot() {
    assertRefused("file://" + outside.resolve("secret.png"), "outside the allowed roots");
    assertRefused("file:///etc/passwd", "outside the allowed roots");
  }

  @Test
  void refusesDotDotEscapes() {
    assertRefused("file://" + root + "/../outside/secret.png", "outside the allowed roots");
    assertRefused("file://" + root + "/%2e%2e/outside/secret.png", "outside the allowed roots");
  }

  @Test
  void refusesAFileLinkPointingOutside() throws Exception {
    Files.createSymbolicLink(root.resolve("escape.png"), outside.resolve("secret.png"));
    assertRefused(root.resolve("escape.png").toUri().toString(), "a link to " + outside.toRealPath().resolve("secret.png"));
  }

  @Test
  void refusesADirectoryLinkPointingOutside() throws Exception {
    Files.createSymbolicLink(root.resolve("sub"), outside);
    assertRefused("file://" + root + "/sub/secret.png", "outside the allowed roots");
  }

  @Test
  void refusesOtherSchemesMissingFilesAndDirectories() {
    assertRefused("http://example.com/a.png", "only file: URIs");
    assertRefused(root.resolve("missing.png").toUri().toString(), "cannot read");
    assertRefused(root.toUri().toString(), "not a regular file");
  }

  @Test
  void noRootsMeansNoFileIsRead() {
    ImageSource none = new ImageSource(List.of(), 16);
    assertThatThrownBy(() -> none.bytesOf(null, root.resolve("in.png").toUri().toString()))
        .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.IMAGE_URI_UNREADABLE));
  }

  @Test
  void aFileOverTheLimitIsTooLarge() throws Exception {
    Files.write(root.resolve("big.png"), new byte[17]);
    assertThatThrownBy(() -> source.bytesOf(null, root.resolve("big.png").toUri().toString()))
        .isInstanceOfSatisfying(ImageRejectedException.class, e -> assertThat(e.type()).isEqualTo(ErrorType.IMAGE_TOO_LARGE));
  }

  private void assertRefused(String uri, String messagePart) {
    assertThatThrownBy(() -> source.bytesOf(null, uri))
        .isInstanceOfSatisfying(ImageRejectedException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.IMAGE_URI_UNREADABLE);
          assertThat(e.getMessage()).contains(messagePart);
        });
  }

}
