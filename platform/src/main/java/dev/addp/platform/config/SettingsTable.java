package dev.addp.platform.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The settings tables, written from the declarations in {@link Settings}: docs/settings.md, one row per
 * key with its type, default, valid values, importance and doc, and the README's table of the settings
 * needed to run at all. {@code SettingsTest} fails when either differs from what this writes, and
 * rewrites both with {@code -Dsettings.write=true}.
 */
public final class SettingsTable {
  private SettingsTable() { }

  /** The whole of docs/settings.md. */
  public static String markdown() {
    List<String> lines = new ArrayList<>();
    lines.add("# Settings");
    lines.add("");
    lines.add("<!-- Written from platform/src/main/java/dev/addp/platform/config/Settings.java; do not edit by hand. -->");
    lines.add("<!-- Regenerate: mvn -B -q -pl platform test -Dtest=SettingsTest -Dsettings.write=true -->");
    lines.add("");
    lines.add("Every key the service reads, in a properties file (`-c FILE`), as an environment variable");
    lines.add("(`ADDP_FOO_BAR` sets `foo.bar`) or as `-Dkey=value`, each overriding the one before.");
    lines.add("A value that breaks its rule stops start-up with one line naming the key and the rule.");
    lines.add("[config/cluster.properties.example](../config/cluster.properties.example) shows each one in context.");
    lines.add("Importance: high, needed to run at all; medium, commonly set; low, tuning most deployments never touch.");
    lines.add("");
    lines.add(table(Settings.all()));
    return String.join("\n", lines);
  }

  /** The README's table: the settings of high importance. */
  public static String essentials() {
    return table(Settings.all().stream().filter(s -> s.importance() == Setting.Importance.HIGH).toList());
  }

  private static String table(List<Setting> settings) {
    List<String> lines = new ArrayList<>();
    lines.add("| key | type | default | valid values | importance | what it does |");
    lines.add("|---|---|---|---|---|---|");
    for (Setting s : settings) lines.add(row(s));
    return String.join("\n", lines) + "\n";
  }

  private static String row(Setting s) {
    String key = "`" + s.key() + (s.prefix() ? "*" : "") + "`";
    String type = s.prefix() ? "family" : s.type().name().toLowerCase(Locale.ROOT);
    String dflt = s.defaultValue() != null && !s.defaultValue().isEmpty() ? "`" + s.defaultValue() + "`" : s.defaultDescription();
    return "| " + String.join(" | ", key, type, cell(dflt), cell(validValues(s)), s.importance().name().toLowerCase(Locale.ROOT), cell(s.doc())) + " |";
  }

  /** The rule a value must keep, as a reader would say it. */
  static String validValues(Setting s) {
    if (!s.oneOf().isEmpty()) return String.join(", ", s.oneOf().stream().map(v -> "`" + v + "`").toList());
    if (s.min() != null && s.max() != null) return s.min() + " to " + s.max();
    if (s.min() != null) return "at least " + s.min();
    if (s.max() != null) return "at most " + s.max();
    return switch (s.type()) {
      case BOOLEAN -> "`true`, `false`";
      case LIST -> "comma-separated";
      default -> "any";
    };
  }

  /** A table cell: a literal '|' would end it, and {@code <name>} would read as an HTML tag. */
  private static String cell(String text) { return text.replace("|", "\\|").replace("<", "\\<"); }
}
