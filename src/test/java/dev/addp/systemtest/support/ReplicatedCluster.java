package dev.addp.systemtest.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.embedded.EmbeddedCluster;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.TopicReplication;
import dev.addp.platform.kafka.Topics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

/**
 * A three-node in-process cluster with the service's topics, using the shared registry (one
 * registry JVM per test run is enough): the configuration the roles get and what every replicated
 * topic must look like.
 */
public final class ReplicatedCluster {
  private ReplicatedCluster() { }

  /** Configuration for the roles on {@code cluster}, its topics created with {@code partitions} partitions. */
  public static AddpConfig configure(EmbeddedCluster cluster, int partitions) throws Exception {
    return configure(cluster.bootstrapServers(), cluster.replication(), partitions);
  }

  /** Configuration for the roles on the cluster at {@code bootstrap}, its topics created with {@code partitions} partitions. */
  public static AddpConfig configure(String bootstrap, TopicReplication replication, int partitions) throws Exception {
    AddpConfig config = AddpConfig.of(Map.of(AddpConfig.BOOTSTRAP_SERVERS, bootstrap,
        AddpConfig.REGISTRY_URL, SharedEmbeddedStack.get().registry().ccompatUrl(),
        TopicReplication.FACTOR, String.valueOf(replication.factor()),
        TopicReplication.MIN_INSYNC, String.valueOf(replication.minInsyncReplicas()),
        "metrics.http.port", "0"));
    try (Admin admin = new KafkaClients(config).admin()) {
      Topics.from(config).createAll(admin, partitions, replication);
    }
    return config;
  }

  /**
   * Every topic of the cluster (the service's, Kafka Streams', consumer offsets, transaction
   * state) has replication factor 3 and min.insync.replicas 2; returns how many topics were checked.
   */
  public static int assertEveryTopicReplicated(AddpConfig config) throws Exception {
    try (Admin admin = new KafkaClients(config).admin()) {
      Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
      assertThat(names).contains("__consumer_offsets", "__transaction_state");
      Map<String, TopicDescription> topics = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS);
      topics.values().forEach(t -> t.partitions().forEach(p ->
          assertThat(p.replicas()).as("replicas of " + t.name() + "-" + p.partition()).hasSize(3)));
      List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
      Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(30, TimeUnit.SECONDS);
      configs.forEach((r, c) -> assertThat(c.get("min.insync.replicas").value()).as("min.insync.replicas of " + r.name()).isEqualTo("2"));
      return names.size();
    }
  }
}
