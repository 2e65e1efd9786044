package dev.addp.platform.config;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Service configuration: a properties file, overridden by environment variables, overridden by
 * explicit settings (CLI). An environment variable {@code ADDP_FOO_BAR} sets key {@code foo.bar}.
 * Keys starting with {@code kafka.} are handed, without the prefix, to every Kafka client
 * (security.protocol, sasl.*, ssl.* ...), so TLS and SASL need no code.
 */
public final class AddpConfig {
  public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";
  public static final String REGISTRY_URL = "registry.url";
  public static final String REGISTRY_BASIC_AUTH = "registry.basic.auth.user.info";
  public static final String REGISTRY_AUTO_REGISTER = "registry.auto.register";
  /** How long "no schema with this id" is believed before the registry is asked again. */
  public static final String REGISTRY_UNKNOWN_ID_TTL_MS = "registry.unknown.id.ttl.ms";
  public static final String TOPIC_PREFIX = "topic.prefix";
  public static final String TOPIC_PARTITIONS = "topic.partitions";
  public static final String TOPIC_REPLICATION = "topic.replication.factor";
  public static final String WORKER_ID = "worker.id";
  public static final String KAFKA_PREFIX = "kafka.";

  private final Map<String, String> values;

  private AddpConfig(Map<String, String> values) {
    this.values = Collections.unmodifiableMap(new TreeMap<>(values));
  }

  public static AddpConfig of(Map<String, String> values) { return new AddpConfig(values); }

  /** File (may be null), then {@code ADDP_*} environment variables, then the overrides. */
  public static AddpConfig load(Path file, Map<String, String> env, Map<String, String> overrides) {
    Map<String, String> v = new TreeMap<>();
    if (file != null) {
      Properties p = new Properties();
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read config " + file, e);
      }
      p.stringPropertyNames().forEach(k -> v.put(k, p.getProperty(k).trim()));
    }
    env.forEach((k, val) -> {
      if (k.startsWith("ADDP_") && k.length() > 5) v.put(k.substring(5).toLowerCase(Locale.ROOT).replace('_', '.'), val);
    });
    v.putAll(overrides);
    return new AddpConfig(v);
  }

  public AddpConfig with(String key, String value) {
    Map<String, String> v = new TreeMap<>(values);
    v.put(key, value);
    return new AddpConfig(v);
  }

  public String get(String key, String fallback) { return values.getOrDefault(key, fallback); }

  public String require(String key) {
    String v = values.get(key);
    if (v == null || v.isBlank()) {
      throw new IllegalArgumentException("missing setting '" + key + "' (config file, or environment ADDP_"
          + key.toUpperCase(Locale.ROOT).replace('.', '_') + ")");
    }
    return v;
  }

  public int getInt(String key, int fallback) {
    String v = values.get(key);
    try {
      return v == null ? fallback : Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("setting '" + key + "' must be an integer, got '" + v + "'");
    }
  }

  public long getLong(String key, long fallback) {
    String v = values.get(key);
    try {
      return v == null ? fallback : Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("setting '" + key + "' must be an integer, got '" + v + "'");
    }
  }

  public boolean getBoolean(String key, boolean fallback) {
    String v = values.get(key);
    return v == null ? fallback : Boolean.parseBoolean(v.trim());
  }

  /** The {@code kafka.*} settings without their prefix, for every Kafka client. */
  public Map<String, Object> kafkaPassThrough() {
    Map<String, Object> out = new TreeMap<>();
    values.forEach((k, v) -> {
      if (k.startsWith(KAFKA_PREFIX)) out.put(k.substring(KAFKA_PREFIX.length()), v);
    });
    return out;
  }

  public Map<String, String> asMap() { return values; }

  @Override
  public String toString() {
    Map<String, String> shown = new TreeMap<>();
    values.forEach((k, v) -> shown.put(k, Redaction.shown(k, v)));
    return shown.toString();
  }

  /**
   * Writes the settings to a new file only its owner can read (0600), for a child process to load
   * with {@code -c}: settings on a command line are visible to every user of the machine.
   */
  public Path writePrivateFile(String prefix) throws IOException {
    Path file = Files.createTempFile(prefix, ".properties",
        java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    Properties p = new Properties();
    p.putAll(values);
    try (java.io.Writer w = Files.newBufferedWriter(file)) {
      p.store(w, null);
    }
    return file;
  }
}
