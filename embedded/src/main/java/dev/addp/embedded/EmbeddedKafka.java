package dev.addp.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka node (KRaft, combined broker + controller) in this JVM, on loopback ports: alone (the
 * embedded default, replication factor 1) or one of the nodes of an {@link EmbeddedCluster}.
 * Transactions, compaction and share groups work as on any cluster. Uses Kafka's internal server
 * classes, so the Kafka version is pinned (the same code ran on 4.1, 4.2 and 4.4).
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final KafkaNode node;
  private final Path logDir;
  private final boolean deleteOnClose;
  private final KafkaRaftServer server;
  /** Null in plain mode (PLAINTEXT listeners, no authorizer). */
  private final BrokerSecurity security;

  private EmbeddedKafka(KafkaNode node, Path logDir, boolean deleteOnClose, KafkaRaftServer server, BrokerSecurity security) {
    this.node = node;
    this.logDir = logDir;
    this.deleteOnClose = deleteOnClose;
    this.server = server;
    this.security = security;
  }

  /** Formats a fresh temporary log directory and starts the broker. */
  public static EmbeddedKafka start() { return start(null); }

  /**
   * Formats a fresh temporary log directory and starts the broker; with {@code security}, in
   * secure mode (SASL_SSL listeners, StandardAuthorizer: see {@link BrokerSecurity}).
   */
  public static EmbeddedKafka start(BrokerSecurity security) {
    try {
      return start(Files.createTempDirectory("addp-kraft-"), true, FreePort.pick(), FreePort.pick(), security);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a broker on the given log directory, formatting it first if it is empty; a directory
   * that already holds a formatted log is reused, which is how a broker restart keeps its data.
   */
  public static EmbeddedKafka start(Path logDir, boolean deleteOnClose, int brokerPort, int controllerPort) {
    return start(logDir, deleteOnClose, brokerPort, controllerPort, null);
  }

  static EmbeddedKafka start(Path logDir, boolean deleteOnClose, int brokerPort, int controllerPort, BrokerSecurity security) {
    return start(KafkaNode.single(brokerPort, controllerPort), logDir, deleteOnClose, security);
  }

  /**
   * Starts one node of a cluster on {@code logDir}, formatting it first if it is empty. A node of a
   * multi-node quorum returns only once a majority of the controllers is up (start them together).
   */
  static EmbeddedKafka start(KafkaNode node, Path logDir, boolean deleteOnClose, BrokerSecurity security) {
    Properties p = node.serverProperties(logDir);
    if (security != null) security.applyTo(p, node.brokerPort(), node.controllerPort());
    KafkaConfig config = KafkaConfig.fromProps(p, false);
    try {
      if (isEmpty(logDir)) {
        new Formatter().setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
            .setNodeId(node.nodeId()).setClusterId(node.clusterId())
            .setDirectories(List.of(logDir.toString())).setMetadataLogDirectory(logDir.toString())
            .setControllerListenerName("CONTROLLER")
            .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
            .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
            .setScramArguments(security == null ? List.of() : security.bootstrapCredentials())
            .run();
      }
      KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
      try {
        server.startup();
      } catch (RuntimeException e) {
        shutdownQuietly(server);
        throw e;
      }
      log.info("embedded Kafka node {} on 127.0.0.1:{} ({}, log dir {})", node.nodeId(), node.brokerPort(),
          security == null ? "PLAINTEXT" : "SASL_SSL " + BrokerSecurity.MECHANISM + ", ACLs enforced", logDir);
      return new EmbeddedKafka(node, logDir, deleteOnClose, server, security);
    } catch (Exception e) {
      if (deleteOnClose) {
        deleteRecursively(logDir);
        if (security != null) security.close();
      }
      throw new IllegalStateException("embedded Kafka failed to start: " + e.getMessage(), e);
    }
  }

  public String bootstrapServers() { return "127.0.0.1:" + node.brokerPort(); }

  public int port() { return node.brokerPort(); }

  /** This node's id in its cluster (1 when alone). */
  public int nodeId() { return node.nodeId(); }

  /** A broker on the same log directory and ports as this (stopped) one: a restart that keeps every record. */
  public EmbeddedKafka restart() { return start(node, logDir, deleteOnClose, security); }

  /** The generated credentials and certificate in secure mode; empty in plain mode. */
  public java.util.Optional<BrokerSecurity> security() { return java.util.Optional.ofNullable(security); }

  /** Stops the broker but keeps its log directory, for {@link #restart()}. */
  public void stop() { shutdownQuietly(server); }

  public Path logDir() { return logDir; }

  @Override
  public void close() {
    shutdownQuietly(server);
    if (deleteOnClose) {
      deleteRecursively(logDir);
      if (security != null) security.close();
    }
  }

  private static void shutdownQuietly(KafkaRaftServer server) {
    try {
      server.shutdown();
      server.awaitShutdown();
    } catch (RuntimeException e) {
      log.warn("embedded Kafka shutdown: {}", e.toString());
    }
  }

  private static boolean isEmpty(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      Files.createDirectories(dir);
      return true;
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.findAny().isEmpty();
    }
  }

  static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      log.warn("could not delete {}: {}", dir, e.toString());
    }
  }
}
