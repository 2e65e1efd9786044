package dev.addp.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class SettingsTest {
  private static final Path ROOT = Path.of("..");
  private static final Path EXAMPLE = Path.of(System.getProperty("addp.config.example", "../config/cluster.properties.example"));
  private static final Path REFERENCE = ROOT.resolve("docs/settings.md");
  private static final Path README = ROOT.resolve("README.md");
  private static final String ESSENTIALS_BEGIN = "<!-- settings of high importance, written from Settings (SettingsTest) -->\n";
  private static final String ESSENTIALS_END = "<!-- end of the settings table -->\n";
  private static final String REGENERATE = "mvn -B -q -pl platform test -Dtest=SettingsTest -Dsettings.write=true";
  /** A key named in a call on a configuration: config.get("a.b", ...), .getInt("a.b", ...), .with("a.b", ...). */
  private static final Pattern KEY_IN_CODE = Pattern.compile(
      "(?<!Long|Integer|Boolean|System)\\.(get|getInt|getLong|getBoolean|getList|require|with)\\(\\s*\"([a-z][a-z0-9]*(?:\\.[a-z0-9]+)+)\"");
  /** A read that names its key as a string rather than through its declaration. */
  private static final Pattern READ_BY_STRING = Pattern.compile(
      "(?<!Long|Integer|Boolean|System)\\.(get|getInt|getLong|getBoolean|getList|require)\\(\\s*\"[a-z][a-z0-9]*(?:\\.[a-z0-9]+)+\"");
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
  void everyValueOfTheExampleConfigurationKeepsItsRule() throws IOException {
    Matcher m = Pattern.compile("^#?([a-z][a-z0-9]*(?:\\.[a-z0-9]+)+)=(\\S*)", Pattern.MULTILINE).matcher(Files.readString(EXAMPLE));
    while (m.find()) {
      Setting s = Settings.find(m.group(1)).orElseThrow();
      if (!s.prefix()) assertThat(s.problem(m.group(2))).as(m.group(0) + " in " + EXAMPLE).isNull();
    }
  }

  /**
   * docs/settings.md and the README's settings table are what {@link SettingsTable} writes from the
   * declarations; with {@code -Dsettings.write=true} this test writes them instead of comparing.
   */
  @Test
  void theSettingsTablesAreWrittenFromTheDeclarations() throws IOException {
    String reference = SettingsTable.markdown();
    String readme = Files.readString(README);
    int begin = readme.indexOf(ESSENTIALS_BEGIN);
    int end = readme.indexOf(ESSENTIALS_END);
    assertThat(begin).as(README + " marks its settings table with " + ESSENTIALS_BEGIN.trim()).isNotNegative();
    assertThat(end).as(README + " ends its settings table with " + ESSENTIALS_END.trim()).isGreaterThan(begin);
    String essentials = readme.substring(begin + ESSENTIALS_BEGIN.length(), end);
    if (Boolean.getBoolean("settings.write")) {
      Files.writeString(REFERENCE, reference);
      Files.writeString(README, readme.substring(0, begin + ESSENTIALS_BEGIN.length()) + SettingsTable.essentials() + readme.substring(end));
      essentials = SettingsTable.essentials();
    }
    assertThat(Files.exists(REFERENCE) ? Files.readString(REFERENCE) : "").as(REFERENCE + " is out of date with Settings: " + REGENERATE)
        .isEqualTo(reference);
    assertThat(essentials).as("the settings table in " + README + " is out of date with Settings: " + REGENERATE)
        .isEqualTo(SettingsTable.essentials());
  }

  @Test
  void everyKeyTheCodeNamesIsDeclaredAndReadThroughItsDeclaration() throws IOException {
    Set<String> undeclared = new TreeSet<>();
    Set<String> readByString = new TreeSet<>();
    List<Path> sources;
    try (Stream<Path> modules = Files.list(ROOT)) {
      sources = modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).flatMap(SettingsTest::javaFiles).toList();
    }
    assertThat(sources).as("main sources under " + ROOT.toAbsolutePath()).hasSizeGreaterThan(100);
    for (Path f : sources) {
      String code = Files.readString(f);
      Matcher m = KEY_IN_CODE.matcher(code);
      while (m.find()) if (Settings.find(m.group(2)).isEmpty()) undeclared.add(m.group(2) + " in " + ROOT.relativize(f));
      Matcher r = READ_BY_STRING.matcher(code);
      while (r.find()) readByString.add(r.group() + " in " + ROOT.relativize(f));
    }
    assertThat(undeclared).as("keys the code names but Settings does not declare").isEmpty();
    assertThat(readByString).as("reads naming a key as a string: read it through its Settings constant").isEmpty();
  }

  private static Stream<Path> javaFiles(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.filter(p -> p.toString().endsWith(".java")).toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
