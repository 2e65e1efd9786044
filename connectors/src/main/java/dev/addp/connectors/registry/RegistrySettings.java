package dev.addp.connectors.registry;

import dev.addp.schemas.registry.SchemaRegistryClient;
import java.time.Duration;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.types.Password;

/** The registry settings every connector of this plugin shares: its URL and optional basic-auth login. */
public final class RegistrySettings {
  public static final String URL = "registry.url";
  public static final String BASIC_AUTH = "registry.basic.auth.user.info";

  private RegistrySettings() {}

  /** Adds both settings to a connector's definition. */
  public static ConfigDef define(ConfigDef def) {
    return def.define(URL, Type.STRING, Importance.HIGH, "Confluent-compatible schema registry URL")
        .define(BASIC_AUTH, Type.PASSWORD, null, Importance.MEDIUM, "user:password for the registry's HTTP basic auth (none when unset)");
  }

  /** A registry client with the configured URL and login. */
  public static SchemaRegistryClient client(AbstractConfig config) {
    Password login = config.getPassword(BASIC_AUTH);
    return new SchemaRegistryClient(config.getString(URL), login == null ? null : login.value(), Duration.ofSeconds(10));
  }
}
