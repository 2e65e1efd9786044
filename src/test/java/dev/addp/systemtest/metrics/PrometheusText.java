package dev.addp.systemtest.metrics;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A scrape in the Prometheus text format, read back: metric types and samples (name, labels, value). */
record PrometheusText(Map<String, String> types, Map<String, Double> samples) {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  static PrometheusText parse(String text) {
    Map<String, String> types = new HashMap<>();
    Map<String, Double> samples = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] p = line.split(" ");
        types.put(p[2], p[3]);
      } else if (!line.isBlank() && !line.startsWith("#")) {
        Matcher m = SAMPLE.matcher(line);
        if (!m.matches()) throw new IllegalArgumentException("not a sample line: " + line);
        samples.put(m.group(1) + "{" + canonical(m.group(3)) + "}", Double.parseDouble(m.group(4)));
      }
    }
    return new PrometheusText(types, samples);
  }

  private static String canonical(String labels) {
    if (labels == null) return "";
    java.util.TreeMap<String, String> sorted = new java.util.TreeMap<>();
    Matcher m = LABEL.matcher(labels);
    while (m.find()) sorted.put(m.group(1), m.group(2));
    StringBuilder b = new StringBuilder();
    sorted.forEach((k, v) -> b.append(b.length() == 0 ? "" : ",").append(k).append('=').append(v));
    return b.toString();
  }

  /** Sum of the samples of {@code name} whose labels include every {@code key=value} given. */
  double sum(String name, String... labels) {
    double total = 0;
    boolean any = false;
    for (var e : samples.entrySet()) {
      String key = e.getKey();
      if (!key.startsWith(name + "{")) continue;
      String inside = key.substring(name.length() + 1, key.length() - 1);
      java.util.Set<String> have = new java.util.HashSet<>(java.util.Arrays.asList(inside.split(",")));
      boolean match = true;
      for (String l : labels) match &= have.contains(l);
      if (match) {
        total += e.getValue();
        any = true;
      }
    }
    if (!any) throw new AssertionError("no sample " + name + " with " + String.join(",", labels));
    return total;
  }

  /** Samples of {@code name} with these labels. */
  Map<String, Double> all(String name, String... labels) {
    Map<String, Double> out = new LinkedHashMap<>();
    samples.forEach((k, v) -> {
      if (!k.startsWith(name + "{")) return;
      for (String l : labels) if (!k.contains(l)) return;
      out.put(k, v);
    });
    return out;
  }

  boolean hasPrefix(String prefix) { return samples.keySet().stream().anyMatch(k -> k.startsWith(prefix)); }
}
