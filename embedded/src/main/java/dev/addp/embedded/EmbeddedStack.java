package dev.addp.embedded;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.TopicReplication;
import dev.addp.platform.kafka.Topics;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * The embedded default: a real in-process KRaft broker (or a cluster of them, {@link EmbeddedCluster})
 * and a real schema registry (child JVM), with the service's topics created. Closing it stops both,
 * also after a failed start.
 */
public final class EmbeddedStack implements AutoCloseable {
  private static final String METRICS_PORT = "metrics.http.port";

  private final EmbeddedKafka kafka;
  /** Null for a single broker. */
  private final EmbeddedCluster cluster;
  private final EmbeddedSchemaRegistry registry;
  private final AddpConfig config;

  private EmbeddedStack(EmbeddedKafka kafka, EmbeddedCluster cluster, EmbeddedSchemaRegistry registry, AddpConfig config) {
    this.kafka = kafka;
    this.cluster = cluster;
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

  /**
   * As {@link #start(AddpConfig, int, Path)} on a cluster of {@code brokers} in-process nodes
   * ({@link EmbeddedCluster}): from three up, every topic has replication factor 3 and
   * {@code min.insync.replicas=2}. One broker is the plain embedded default.
   */
  public static EmbeddedStack start(AddpConfig base, int partitions, int brokers, Path registryDistribution) {
    if (brokers == 1) return start(base, partitions, registryDistribution, null);
    EmbeddedCluster cluster = EmbeddedCluster.start(brokers);
    return withRegistry(base, partitions, registryDistribution, null, cluster.node(1), cluster, cluster.bootstrapServers(),
        cluster.replication(), cluster::close);
  }

  private static EmbeddedStack start(AddpConfig base, int partitions, Path registryDistribution, BrokerSecurity security) {
    EmbeddedKafka kafka;
    try {
      kafka = EmbeddedKafka.start(security);
    } catch (RuntimeException e) {
      if (security != null) security.close();
      throw e;
    }
    return withRegistry(base, partitions, registryDistribution, security, kafka, null, kafka.bootstrapServers(),
        TopicReplication.forCluster(1), kafka::close);
  }

  private static EmbeddedStack withRegistry(AddpConfig base, int partitions, Path registryDistribution, BrokerSecurity security,
      EmbeddedKafka kafka, EmbeddedCluster cluster, String bootstrap, TopicReplication replication, Runnable stopKafka) {
    EmbeddedSchemaRegistry registry = null;
    try {
      registry = EmbeddedSchemaRegistry.start(registryDistribution);
      AddpConfig config = base.with(AddpConfig.BOOTSTRAP_SERVERS, bootstrap)
          .with(AddpConfig.REGISTRY_URL, registry.ccompatUrl());
      if (cluster != null) {
        // what the roles give the topics they create (Kafka Streams' changelogs): the cluster's replication
        config = config.with(TopicReplication.FACTOR, String.valueOf(replication.factor()))
            .with(TopicReplication.MIN_INSYNC, String.valueOf(replication.minInsyncReplicas()));
      }
      // embedded processes pick free ports for their operations endpoint unless told otherwise
      if (config.get(METRICS_PORT, null) == null) config = config.with(METRICS_PORT, "0");
      if (security != null) {
        for (Map.Entry<String, String> e : security.adminSettings().entrySet()) config = config.with(e.getKey(), e.getValue());
      }
      try (Admin admin = new KafkaClients(config).admin()) {
        Topics.from(config).createAll(admin, partitions, replication);
      }
      return new EmbeddedStack(kafka, cluster, registry, config);
    } catch (RuntimeException e) {
      if (registry != null) registry.close();
      stopKafka.run();
      throw e;
    }
  }

  public static EmbeddedStack start(int partitions, Path registryDistribution) {
    return start(AddpConfig.of(Map.of()), partitions, registryDistribution);
  }

  public AddpConfig config() { return config; }

  /** The broker (with a cluster: node 1). */
  public EmbeddedKafka kafka() { return kafka; }

  /** The cluster, when this stack runs more than one broker. */
  public java.util.Optional<EmbeddedCluster> cluster() { return java.util.Optional.ofNullable(cluster); }

  /** How the service's topics are replicated here. */
  public TopicReplication replication() { return cluster == null ? TopicReplication.forCluster(1) : cluster.replication(); }

  public EmbeddedSchemaRegistry registry() { return registry; }

  @Override
  public void close() {
    try {
      registry.close();
    } finally {
      if (cluster != null) cluster.close();
      else kafka.close();
    }
  }
}
