package dev.addp.connectors.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.connectors.coco.CocoSinkTask;
import java.nio.file.Path;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Every sink's path mapping over arbitrary names (job ids, dataset names): the path is inside the
 * sink's folder or the name is refused with a reason, and two distinct names never share a path.
 */
class NamedPathsPropertyTest {
  private static final Path FOLDER = Path.of("/srv/out/coco");

  @Provide
  Arbitrary<String> names() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(300),
        Arbitraries.strings().withChars("./\\_-aZ09\0:~ ").ofMaxLength(12),
        Arbitraries.of("..", ".", "../x", "a/../../b", "a/b", "a_b", "a\\b", "x\0y", "A", "a", "~", "%2e%2e"));
  }

  @Property(tries = 3000)
  void cocoFilesStayInsideTheFolder(@ForAll("names") String dataset) {
    Path file;
    try {
      file = CocoSinkTask.instancesFile(FOLDER, "{dataset}.coco.json", dataset);
    } catch (IllegalArgumentException refused) {
      assertThat(refused.getMessage()).startsWith("dataset");
      return;
    }
    assertThat(file.getParent()).isEqualTo(FOLDER);
    assertThat(file.getFileName().toString()).isEqualTo(dataset + ".coco.json");
  }

  @Property(tries = 3000)
  void jobFoldersStayInsideTheFolderAndNeverCollide(@ForAll("names") String a, @ForAll("names") String b) {
    Path pa = mapped(a);
    Path pb = mapped(b);
    if (pa != null) assertThat(pa.getParent()).isEqualTo(FOLDER);
    if (pa != null && pb != null && !a.equals(b)) assertThat(pa).isNotEqualTo(pb);
  }

  private static Path mapped(String jobId) {
    try {
      return NamedPaths.inside(FOLDER, "job_id", jobId, "{job_id}");
    } catch (IllegalArgumentException refused) {
      return null;
    }
  }

  @Example
  void theNamesThatUsedToEscapeOrCollideAreRefused() {
    assertThatThrownBy(() -> NamedPaths.inside(FOLDER, "job_id", "..", "{job_id}")).hasMessageContaining("must start with");
    assertThatThrownBy(() -> NamedPaths.inside(FOLDER, "job_id", "a/b", "{job_id}")).hasMessageContaining("U+002F");
    assertThatThrownBy(() -> NamedPaths.inside(FOLDER, "dataset", "a\0b", "{dataset}.json")).hasMessageContaining("U+0000");
    assertThatThrownBy(() -> NamedPaths.inside(FOLDER, "dataset", "d".repeat(300), "{dataset}.json")).hasMessageContaining("300");
    assertThat(NamedPaths.inside(FOLDER, "job_id", "a_b", "{job_id}")).isEqualTo(FOLDER.resolve("a_b"));
  }

  @Example
  void aTemplateThatLeavesTheFolderIsRefused() {
    assertThatThrownBy(() -> NamedPaths.inside(FOLDER, "dataset", "ok", "../{dataset}.json")).hasMessageContaining("leaves the folder");
  }
}
