package dev.addp.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SettingsTest {
  private static final Path EXAMPLE = Path.of(System.getProperty("addp.config.example", "../config/cluster.properties.example"));
  /** A key, set or commented out, at the start of a line: "key=" or "#key=". */
  private static final Pattern KEY_LINE = Pattern.compile("^#?([a-z][a-z0-9]*(?:\\.[a-z0-9<>]+)+)=", Pattern.MULTILINE);

  private static Set<String> exampleKeys() throws IOException {
    Set<String> keys = new TreeSet<>();
    Matcher m = KEY_LINE.matcher(Files.readString(EXAMPLE));
    while (m.find()) keys.add(m.group(1));
    return keys;
  }

  @Test
  void theExampleConfigurationListsEveryDeclaredSetting() throws IOException {
    Set<String> keys = exampleKeys();
    Set<String> missing = new TreeSet<>();
    for (Setting s : Settings.all()) {
      boolean listed = s.prefix() ? keys.stream().anyMatch(s::matches) : keys.contains(s.key());
      if (!listed) missing.add(s.key() + (s.prefix() ? "*" : ""));
    }
    assertThat(missing).as("declared in Settings but not in " + EXAMPLE).isEmpty();
  }

  @Test
  void everyKeyOfTheExampleConfigurationIsDeclared() throws IOException {
    Set<String> undeclared = new TreeSet<>();
    for (String k : exampleKeys()) if (Settings.find(k).isEmpty()) undeclared.add(k);
    assertThat(undeclared).as("in " + EXAMPLE + " but declared nowhere in Settings").isEmpty();
  }

  @Test
  void keysAreDeclaredOnceAndDefaultsKeepTheirOwnRules() {
    Set<String> seen = new TreeSet<>();
    for (Setting s : Settings.all()) {
      assertThat(seen.add(s.key())).as("declared twice: " + s.key()).isTrue();
      assertThat(s.doc()).as(s.key() + " has a doc").isNotBlank();
      if (s.defaultValue() != null && !s.defaultValue().isEmpty()) {
        assertThat(s.problem(s.defaultValue())).as("the default of " + s.key()).isNull();
      }
    }
  }

  @Test
  void anInvalidValueIsNamedWithItsKeyAndRule() {
    assertThat(Settings.firstProblem(AddpConfig.of(Map.of("topic.partitions", "0"))))
        .isEqualTo("setting 'topic.partitions' must be at least 1, got '0'");
    assertThat(Settings.firstProblem(AddpConfig.of(Map.of("metrics.http.port", "http"))))
        .isEqualTo("setting 'metrics.http.port' must be an integer, 0..65535, got 'http'");
    assertThat(Settings.firstProblem(AddpConfig.of(Map.of("model.device", "gpu"))))
        .isEqualTo("setting 'model.device' must be one of auto, cuda, cpu, got 'gpu'");
    assertThat(Settings.firstProblem(AddpConfig.of(Map.of("metrics.enabled", "yes"))))
        .isEqualTo("setting 'metrics.enabled' must be true or false, got 'yes'");
    assertThat(Settings.firstProblem(AddpConfig.of(Map.of("model.device", "CPU", "kafka.linger.ms", "5", "some.other.key", "x")))).isNull();
  }

  @Test
  void loadingRefusesAnInvalidValueInOneLine() {
    assertThatThrownBy(() -> AddpConfig.load(null, Map.of("ADDP_RECOGNITION_BATCH_SIZE", "lots"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("setting 'recognition.batch.size' must be an integer, at least 1, got 'lots'");
  }

  @Test
  void typedAccessorsGiveTheDeclaredDefaultAndTheValueSet() {
    AddpConfig c = AddpConfig.of(Map.of("recognition.batch.size", "8", "recognition.routed.models", "a, b,,"));
    assertThat(c.getInt(Settings.RECOGNITION_BATCH_SIZE)).isEqualTo(8);
    assertThat(c.getInt(Settings.GENERATION_BATCH_SIZE)).isEqualTo(64);
    assertThat(c.getLong(Settings.GENERATION_AGING_MS)).isEqualTo(10_000);
    assertThat(c.getBoolean(Settings.METRICS_ENABLED)).isTrue();
    assertThat(c.get(Settings.TOPIC_PREFIX)).isEqualTo("addp.");
    assertThat(c.getList(Settings.RECOGNITION_ROUTED_MODELS)).containsExactly("a", "b");
    assertThat(c.getInt(Settings.MODEL_INTRA_OP_THREADS, 3)).as("a computed default").isEqualTo(3);
  }

  @Test
  void readingAKeyDeclaredNowhereIsRefused() {
    AddpConfig c = AddpConfig.of(Map.of("made.up.key", "1"));
    assertThatThrownBy(() -> c.get("made.up.key", null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("made.up.key").hasMessageContaining("Settings");
    assertThat(c.get("kafka.linger.ms", "0")).as("a declared family").isEqualTo("0");
  }
}
