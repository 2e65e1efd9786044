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
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (KRaft, combined broker + controller) in this JVM, on loopback ports.
 * Used by the embedded mode and by the tests. Transactions, compaction and share groups work as on
 * a cluster; replication factors are 1. Uses Kafka's internal server classes, so the Kafka version
 * is pinned (the same code ran on 4.1, 4.2 and 4.4).
 */
public final class EmbeddedKafka implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);

  private final Path logDir;
  private final boolean deleteOnClose;
  private final int brokerPort;
  private final int controllerPort;
  private final KafkaRaftServer server;
  /** Null in plain mode (PLAINTEXT listeners, no authorizer). */
  private final BrokerSecurity security;

  private EmbeddedKafka(Path logDir, boolean deleteOnClose, int brokerPort, int controllerPort, KafkaRaftServer server,
      BrokerSecurity security) {
    this.logDir = logDir;
    this.deleteOnClose = deleteOnClose;
    this.brokerPort = brokerPort;
    this.controllerPort = controllerPort;
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
    Properties p = new Properties();
    p.put("process.roles", "broker,controller");
    p.put("node.id", "1");
    p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
    p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
    p.put("controller.listener.names", "CONTROLLER");
    p.put("inter.broker.listener.name", "PLAINTEXT");
    p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    p.put("log.dirs", logDir.toString());
    p.put("num.partitions", "1");
    p.put("offsets.topic.replication.factor", "1");
    p.put("offsets.topic.num.partitions", "1");
    p.put("transaction.state.log.replication.factor", "1");
    p.put("transaction.state.log.min.isr", "1");
    p.put("transaction.state.log.num.partitions", "1");
    p.put("share.coordinator.state.topic.replication.factor", "1");
    p.put("share.coordinator.state.topic.min.isr", "1");
    p.put("group.initial.rebalance.delay.ms", "0");
    // Images are large records: allow 16 MiB per message (clients raise their limits to match).
    p.put("message.max.bytes", String.valueOf(16 * 1024 * 1024));
    // The log cleaner allocates its dedupe buffer on the heap: 128 MiB by default, 2 MiB is plenty here.
    p.put("log.cleaner.dedupe.buffer.size", String.valueOf(2 * 1024 * 1024));
    p.put("auto.create.topics.enable", "false");
    if (security != null) security.applyTo(p, brokerPort, controllerPort);
    KafkaConfig config = KafkaConfig.fromProps(p, false);
    try {
      if (isEmpty(logDir)) {
        new Formatter().setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
            .setNodeId(1).setClusterId(Uuid.randomUuid().toString())
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
      log.info("embedded Kafka broker on 127.0.0.1:{} ({}, log dir {})", brokerPort,
          security == null ? "PLAINTEXT" : "SASL_SSL " + BrokerSecurity.MECHANISM + ", ACLs enforced", logDir);
      return new EmbeddedKafka(logDir, deleteOnClose, brokerPort, controllerPort, server, security);
    } catch (Exception e) {
      if (deleteOnClose) {
        deleteRecursively(logDir);
        if (security != null) security.close();
      }
      throw new IllegalStateException("embedded Kafka failed to start: " + e.getMessage(), e);
    }
  }

  public String bootstrapServers() { return "127.0.0.1:" + brokerPort; }

  public int port() { return brokerPort; }

  /** A broker on the same log directory and ports as this (stopped) one: a restart that keeps every record. */
  public EmbeddedKafka restart() { return start(logDir, deleteOnClose, brokerPort, controllerPort, security); }

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
