package dev.addp.embedded;

import dev.addp.platform.kafka.TopicReplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka cluster of {@code n} KRaft nodes in this JVM, each broker and controller (combined
 * mode), so the controller quorum is the same three nodes: three nodes are the smallest cluster
 * that keeps both a majority of controllers and two in-sync replicas while any one of them is
 * down. Combined mode is Kafka's own choice for small and test clusters; a production cluster
 * separates the quorum (three or five controller-only nodes) so that broker load cannot delay
 * metadata, which in one JVM would only add six more servers on the same cores.
 *
 * <p>From three nodes up every topic the cluster makes itself (consumer offsets, transaction
 * state, Kafka Streams' and Connect's topics through the brokers' defaults) has replication
 * factor 3 and {@code min.insync.replicas=2}; {@link #replication()} is what the service's own
 * topics should get.
 */
public final class EmbeddedCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedCluster.class);

  private final List<KafkaNode> layout;
  private final List<EmbeddedKafka> nodes;

  private EmbeddedCluster(List<KafkaNode> layout, List<EmbeddedKafka> nodes) {
    this.layout = layout;
    this.nodes = new ArrayList<>(nodes);
  }

  /**
   * Starts {@code size} nodes on fresh temporary log directories, together: a node returns from
   * its start only once a majority of the controllers can elect a leader.
   */
  public static EmbeddedCluster start(int size) {
    List<KafkaNode> layout = KafkaNode.cluster(size);
    List<CompletableFuture<EmbeddedKafka>> starts = new ArrayList<>();
    for (KafkaNode node : layout) {
      starts.add(CompletableFuture.supplyAsync(() -> {
        try {
          return EmbeddedKafka.start(node, Files.createTempDirectory("addp-kraft-" + node.nodeId() + "-"), true, null);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }, runnable -> new Thread(runnable, "kafka-node-" + node.nodeId() + "-start").start()));
    }
    List<EmbeddedKafka> started = new ArrayList<>();
    RuntimeException failure = null;
    for (CompletableFuture<EmbeddedKafka> f : starts) {
      try {
        started.add(f.join());
      } catch (CompletionException e) {
        if (failure == null) failure = e.getCause() instanceof RuntimeException r ? r : e;
      }
    }
    EmbeddedCluster cluster = new EmbeddedCluster(layout, started);
    if (failure != null) {
      cluster.close();
      throw failure;
    }
    log.info("embedded Kafka cluster of {} nodes at {} ({})", size, cluster.bootstrapServers(), cluster.replication());
    return cluster;
  }

  public String bootstrapServers() { return KafkaNode.bootstrapServers(layout); }

  /** How the service's topics are replicated on this cluster. */
  public TopicReplication replication() { return TopicReplication.forCluster(layout.size()); }

  public int size() { return layout.size(); }

  /** The running node with this id (1..size). */
  public EmbeddedKafka node(int nodeId) {
    return nodes.stream().filter(n -> n.nodeId() == nodeId).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("node " + nodeId + " is not running"));
  }

  public List<EmbeddedKafka> nodes() { return List.copyOf(nodes); }

  /** Stops a node, keeping its log directory for {@link #restart}. */
  public void stop(int nodeId) {
    EmbeddedKafka node = node(nodeId);
    node.stop();
    nodes.remove(node);
  }

  /** Starts a stopped node again on its log directory and ports. */
  public EmbeddedKafka restart(EmbeddedKafka stopped) {
    EmbeddedKafka again = stopped.restart();
    nodes.add(again);
    return again;
  }

  /** Stops every node at once: one by one, the last nodes would wait for a controller majority that is already gone. */
  @Override
  public void close() {
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (EmbeddedKafka node : nodes) {
      stops.add(CompletableFuture.runAsync(node::close, runnable -> new Thread(runnable, "kafka-node-" + node.nodeId() + "-stop").start()));
    }
    stops.forEach(CompletableFuture::join);
    nodes.clear();
  }
}
