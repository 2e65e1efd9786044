package dev.addp.systemtest.support;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * Compose files read the way `docker compose -f a.yml -f b.yml` reads them, for what the tests use:
 * a service's environment (each file's, later ones over earlier ones, anchors and merge keys
 * resolved) and its entrypoint, with {@code ${NAME}}, {@code ${NAME:-default}} and
 * {@code ${NAME:?message}} taken from the given variables (a required one that is missing fails).
 */
public final class ComposeFiles {
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)(?::?([-?])([^}]*))?}");
  private final List<Map<String, Object>> files = new ArrayList<>();
  private final Map<String, String> variables;

  public ComposeFiles(Map<String, String> variables, Path... paths) throws IOException {
    this.variables = Map.copyOf(variables);
    for (Path p : paths) {
      try (Reader r = Files.newBufferedReader(p)) {
        files.add(new Yaml().load(r));
      }
    }
  }

  /** The service's environment, every file's merged in order, variables substituted. */
  public Map<String, String> environment(String service) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Map<String, Object> f : files) {
      Object e = service(f, service).get("environment");
      if (e instanceof Map<?, ?> m) m.forEach((k, v) -> env.put(k.toString(), v == null ? "" : substitute(v.toString())));
    }
    return env;
  }

  /** The service's entrypoint of the last file that sets one, variables substituted. */
  public List<String> entrypoint(String service) {
    List<String> out = null;
    for (Map<String, Object> f : files) {
      Object e = service(f, service).get("entrypoint");
      if (e instanceof List<?> l) out = l.stream().map(x -> substitute(x.toString())).toList();
    }
    if (out == null) throw new IllegalArgumentException("no entrypoint for " + service);
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(Map<String, Object> file, String name) {
    Map<String, Object> services = (Map<String, Object>) file.getOrDefault("services", Map.of());
    Object s = services.get(name);
    return s == null ? Map.of() : (Map<String, Object>) s;
  }

  String substitute(String text) {
    Matcher m = VARIABLE.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = variables.getOrDefault(m.group(1), "");
      if (value.isEmpty() && "?".equals(m.group(2))) {
        throw new IllegalArgumentException("required variable " + m.group(1) + " is not set: " + m.group(3));
      }
      if (value.isEmpty() && "-".equals(m.group(2))) value = m.group(3);
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }
}
