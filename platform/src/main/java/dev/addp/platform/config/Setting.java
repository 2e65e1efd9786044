package dev.addp.platform.config;

import java.util.List;
import java.util.Locale;

/**
 * One setting the service reads: its key, type, default, valid values and what it does. Every
 * setting is declared once, in {@link Settings}; components read it through {@link AddpConfig}'s
 * typed accessors, and an invalid value is refused at start-up with one line naming key and rule.
 *
 * @param defaultValue the default as written in a config file; null when there is none, or when it
 *     is computed (then {@code defaultText} says how)
 * @param prefix true for a family of keys ({@code kafka.*}): {@code key} ends with a dot
 */
public record Setting(String key, Type type, String defaultValue, String defaultText, Importance importance, String doc,
                      Long min, Long max, List<String> oneOf, boolean prefix) {
  /** How a value is read. LIST: comma-separated. */
  public enum Type { STRING, INT, LONG, BOOLEAN, LIST }

  /** How much an operator needs to know about it: HIGH to run at all, LOW for tuning most deployments never touch. */
  public enum Importance { HIGH, MEDIUM, LOW }

  static Setting of(String key, Type type, String defaultValue, String doc) {
    return new Setting(key, type, defaultValue, null, Importance.MEDIUM, doc, null, null, List.of(), false);
  }

  static Setting family(String prefix, String doc) {
    return new Setting(prefix, Type.STRING, null, null, Importance.MEDIUM, doc, null, null, List.of(), true);
  }

  Setting important() { return new Setting(key, type, defaultValue, defaultText, Importance.HIGH, doc, min, max, oneOf, prefix); }

  Setting minor() { return new Setting(key, type, defaultValue, defaultText, Importance.LOW, doc, min, max, oneOf, prefix); }

  /** A default worked out at run time, described for the reader. */
  Setting computed(String text) { return new Setting(key, type, null, text, importance, doc, min, max, oneOf, prefix); }

  Setting atLeast(long least) { return new Setting(key, type, defaultValue, defaultText, importance, doc, least, max, oneOf, prefix); }

  Setting between(long least, long most) { return new Setting(key, type, defaultValue, defaultText, importance, doc, least, most, oneOf, prefix); }

  /** Valid values, compared ignoring case. */
  Setting oneOf(String... values) { return new Setting(key, type, defaultValue, defaultText, importance, doc, min, max, List.of(values), prefix); }

  /** Whether {@code k} is this setting's key (or one of its family's). */
  public boolean matches(String k) { return prefix ? k.startsWith(key) && k.length() > key.length() : k.equals(key); }

  /** What the default is, for a reader: the value, how it is computed, or "none". */
  public String defaultDescription() {
    if (defaultValue != null) return defaultValue.isEmpty() ? "(empty)" : defaultValue;
    return defaultText != null ? defaultText : "none";
  }

  /** The rule {@code value} breaks, as "must be ...", or null when it is valid. */
  public String problem(String value) {
    String v = value.trim();
    switch (type) {
      case INT, LONG -> {
        long n;
        try {
          n = type == Type.INT ? Integer.parseInt(v) : Long.parseLong(v);
        } catch (NumberFormatException e) {
          return "must be " + (type == Type.INT ? "an integer" : "a whole number") + range();
        }
        if ((min != null && n < min) || (max != null && n > max)) return "must be" + range().replaceFirst("^,", "");
      }
      case BOOLEAN -> {
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) return "must be true or false";
      }
      default -> { }
    }
    if (!oneOf.isEmpty() && oneOf.stream().noneMatch(o -> o.equalsIgnoreCase(v))) return "must be one of " + String.join(", ", oneOf);
    return null;
  }

  private String range() {
    if (min != null && max != null) return ", " + min + ".." + max;
    if (min != null) return ", at least " + min;
    if (max != null) return ", at most " + max;
    return "";
  }

  /** The environment variable that sets it ({@code ADDP_FOO_BAR} for {@code foo.bar}). */
  public String environmentVariable() { return "ADDP_" + key.toUpperCase(Locale.ROOT).replace('.', '_') + (prefix ? "*" : ""); }
}
