package dev.addp.app.cli;

import dev.addp.platform.config.AddpConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** How a command finds the cluster: a config file, ADDP_* environment variables, -D overrides. */
final class ConnectionOptions {
  @Option(names = {"-c", "--config"}, description = "properties file (bootstrap.servers, registry.url, kafka.* client settings ...)")
  Path config;

  @Option(names = "-D", description = "override one setting, e.g. -Dbootstrap.servers=host:9092", mapFallbackValue = "")
  Map<String, String> overrides = new HashMap<>();

  AddpConfig load() { return AddpConfig.load(config, System.getenv(), overrides); }
}
