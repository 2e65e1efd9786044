package dev.addp.embedded;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * The embedded default: a real in-process KRaft broker and a real schema registry (child JVM),
 * with the service's topics created. Closing it stops both, also after a failed start.
 */
public final class EmbeddedStack implements AutoCloseable {
  private static final String METRICS_PORT = Settings.METRICS_HTTP_PORT.key();

  private final EmbeddedKafka kafka;
  private final EmbeddedSchemaRegistry registry;
  private final AddpConfig config;

  private EmbeddedStack(EmbeddedKafka kafka, EmbeddedSchemaRegistry registry, AddpConfig config) {
    this.kafka = kafka;
    this.registry = registry;
    this.config = config;
  }

  /**
   * Starts broker and registry, creates the topics, and returns the configuration that points at
   * them (base settings are kept, connection settings replaced). {@code registryDistribution} is
   * the caller's unpacked Apicurio Registry (see {@link EmbeddedSchemaRegistry#locateDistribution}).
   */
  public static EmbeddedStack start(AddpConfig base, int partitions, Path registryDistribution) {
    return start(base, partitions, registryDistribution, null);
  }

  /**
   * As {@link #start(AddpConfig, int, Path)}, with the broker in secure mode (SASL_SSL, SCRAM-SHA-512,
   * StandardAuthorizer; see {@link BrokerSecurity}). The returned configuration logs in as the admin
   * (super user); other users come from {@link BrokerSecurity#createUser} and
   * {@link BrokerSecurity#asUser}, reached through {@code kafka().security()}.
   */
  public static EmbeddedStack startSecure(AddpConfig base, int partitions, Path registryDistribution) {
    return start(base, partitions, registryDistribution, BrokerSecurity.generate());
  }

  private static EmbeddedStack start(AddpConfig base, int partitions, Path registryDistribution, BrokerSecurity security) {
    EmbeddedKafka kafka;
    try {
      kafka = EmbeddedKafka.start(security);
    } catch (RuntimeException e) {
      if (security != null) security.close();
      throw e;
    }
    EmbeddedSchemaRegistry registry = null;
    try {
      registry = EmbeddedSchemaRegistry.start(registryDistribution);
      AddpConfig config = base.with(AddpConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers())
          .with(AddpConfig.REGISTRY_URL, registry.ccompatUrl());
      // embedded processes pick free ports for their operations endpoint unless told otherwise
      if (config.get(METRICS_PORT, null) == null) config = config.with(METRICS_PORT, "0");
      if (security != null) {
        for (Map.Entry<String, String> e : security.adminSettings().entrySet()) config = config.with(e.getKey(), e.getValue());
      }
      try (Admin admin = new KafkaClients(config).admin()) {
        Topics.from(config).createAll(admin, partitions, (short) 1);
      }
      return new EmbeddedStack(kafka, registry, config);
    } catch (RuntimeException e) {
      if (registry != null) registry.close();
      kafka.close();
      throw e;
    }
  }

  public static EmbeddedStack start(int partitions, Path registryDistribution) {
    return start(AddpConfig.of(Map.of()), partitions, registryDistribution);
  }

  public AddpConfig config() { return config; }

  public EmbeddedKafka kafka() { return kafka; }

  public EmbeddedSchemaRegistry registry() { return registry; }

  @Override
  public void close() {
    try {
      registry.close();
    } finally {
      kafka.close();
    }
  }
}
