package dev.addp.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/** Names that can become paths, request ids that are only echoed, and names made from folder names. */
class IdentifiersTest {
  @Example
  void plainNamesAreValid() {
    for (String ok : new String[] {"a", "job-1", "gen-3f2a9c1d", "ds_2024.v2", "_x", "A".repeat(Identifiers.MAX_NAME)}) {
      assertThat(Identifiers.nameProblem("job_id", ok)).as(ok).isNull();
    }
  }

  @Example
  void namesThatEscapeAFolderOrCollideAreRefusedWithTheReason() {
    assertThat(Identifiers.nameProblem("job_id", "..")).contains("must start with");
    assertThat(Identifiers.nameProblem("job_id", ".")).contains("must start with");
    assertThat(Identifiers.nameProblem("job_id", ".hidden")).contains("must start with");
    assertThat(Identifiers.nameProblem("job_id", "a/b")).contains("U+002F");
    assertThat(Identifiers.nameProblem("job_id", "a\\b")).contains("U+005C");
    assertThat(Identifiers.nameProblem("dataset", "a\0b")).contains("U+0000").doesNotContain("\0");
    assertThat(Identifiers.nameProblem("dataset", "x".repeat(300))).contains("300 characters");
    assertThat(Identifiers.nameProblem("dataset", "")).contains("empty");
    assertThat(Identifiers.nameProblem("dataset", null)).contains("empty");
    assertThat(Identifiers.nameProblem("dataset", "caf\u00e9")).contains("U+00E9");
  }

  @Example
  void requestIdsAreFreeTextWithoutControlCharacters() {
    assertThat(Identifiers.requestIdProblem("my photos/2024/IMG 0001.jpg")).isNull();
    assertThat(Identifiers.requestIdProblem("caf\u00e9/\u00e9t\u00e9.png")).isNull();
    assertThat(Identifiers.requestIdProblem("a\0b")).contains("U+0000");
    assertThat(Identifiers.requestIdProblem("a\nb")).contains("U+000A");
    assertThat(Identifiers.requestIdProblem("")).contains("empty");
    assertThat(Identifiers.requestIdProblem("\u00e9".repeat(600))).contains("1200 bytes");
  }

  @Property(tries = 2000)
  void everyAcceptedNameIsItsOwnSafeFileName(@ForAll String any) {
    if (Identifiers.isName(any)) {
      assertThat(any).matches("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");
      assertThat(java.nio.file.Path.of("/out").resolve(any).normalize().getParent()).isEqualTo(java.nio.file.Path.of("/out"));
    }
  }

  @Property(tries = 2000)
  void aNameMadeFromAnyTextIsValid(@ForAll String any) {
    assertThat(Identifiers.nameProblem("dataset", Identifiers.nameFrom(any, "dataset"))).isNull();
  }

  @Example
  void folderNamesBecomeReadableNames() {
    assertThat(Identifiers.nameFrom("My Photos", "dataset")).isEqualTo("My-Photos");
    assertThat(Identifiers.nameFrom("..", "dataset")).isEqualTo("dataset");
    assertThat(Identifiers.nameFrom(".cache", "dataset")).isEqualTo("cache");
  }
}
