package dev.addp.embedded;

import dev.addp.platform.kafka.TopicReplication;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;

/**
 * One node's place in an embedded cluster: its id, loopback ports, the controller quorum it votes
 * in, and the cluster's size, from which the replication of the internal topics and the brokers'
 * defaults follow ({@link TopicReplication#forCluster}). Every node is broker and controller
 * (combined mode).
 */
public record KafkaNode(String clusterId, int nodeId, int brokerPort, int controllerPort, String voters, int clusterSize) {

  /** A cluster of one: node 1, replication factor 1. */
  public static KafkaNode single(int brokerPort, int controllerPort) {
    return new KafkaNode(Uuid.randomUuid().toString(), 1, brokerPort, controllerPort, "1@127.0.0.1:" + controllerPort, 1);
  }

  /** {@code size} nodes with ids 1..size on free ports, one new cluster id. */
  public static List<KafkaNode> cluster(int size) {
    if (size < 1) throw new IllegalArgumentException("a cluster needs at least one node, got " + size);
    String clusterId = Uuid.randomUuid().toString();
    int[] brokerPorts = new int[size];
    int[] controllerPorts = new int[size];
    for (int i = 0; i < size; i++) {
      brokerPorts[i] = FreePort.pick();
      controllerPorts[i] = FreePort.pick();
    }
    List<String> voters = new ArrayList<>();
    for (int i = 0; i < size; i++) voters.add((i + 1) + "@127.0.0.1:" + controllerPorts[i]);
    List<KafkaNode> nodes = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      nodes.add(new KafkaNode(clusterId, i + 1, brokerPorts[i], controllerPorts[i], String.join(",", voters), size));
    }
    return List.copyOf(nodes);
  }

  /** The bootstrap list of a cluster's nodes. */
  public static String bootstrapServers(List<KafkaNode> nodes) {
    return nodes.stream().map(n -> "127.0.0.1:" + n.brokerPort()).collect(Collectors.joining(","));
  }

  public TopicReplication replication() { return TopicReplication.forCluster(clusterSize); }

  /** The server configuration of this node (plain listeners; secure mode overlays its own). */
  public Properties serverProperties(Path logDir) {
    TopicReplication r = replication();
    String factor = String.valueOf(r.factor());
    String minIsr = String.valueOf(r.minInsyncReplicas());
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", String.valueOf(nodeId));
    p.put("controller.quorum.voters", voters);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("num.partitions", "1");
    // the brokers' defaults, for topics the service does not create itself (Kafka Streams', Connect's)
    p.put("default.replication.factor", factor);
    p.put("min.insync.replicas", minIsr);
    p.put("offsets.topic.replication.factor", factor);
    p.put("offsets.topic.num.partitions", String.valueOf(clusterSize));
    p.put("transaction.state.log.replication.factor", factor);
    p.put("transaction.state.log.min.isr", minIsr);
    p.put("transaction.state.log.num.partitions", String.valueOf(clusterSize));
    p.put("share.coordinator.state.topic.replication.factor", factor);
    p.put("share.coordinator.state.topic.min.isr", minIsr);
    p.put("group.initial.rebalance.delay.ms", "0");
    // consumer-protocol groups (KIP-848) notice a dead member as fast as the workers' classic
    // groups do (10 s session, 2 s heartbeats), instead of the broker default 45 s
    p.put("group.consumer.min.session.timeout.ms", "6000");
    p.put("group.consumer.session.timeout.ms", "10000");
    p.put("group.consumer.min.heartbeat.interval.ms", "1000");
    p.put("group.consumer.heartbeat.interval.ms", "2000");
    // Images are large records: allow 16 MiB per message (clients raise their limits to match).
    p.put("message.max.bytes", String.valueOf(16 * 1024 * 1024));
    p.put("replica.fetch.max.bytes", String.valueOf(16 * 1024 * 1024));
    // The log cleaner allocates its dedupe buffer on the heap: 128 MiB by default, 2 MiB is plenty here.
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
    p.put("auto.create.topics.enable", "false");
    return p;
  }
}
