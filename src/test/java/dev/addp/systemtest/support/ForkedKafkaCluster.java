package dev.addp.systemtest.support;

import dev.addp.embedded.KafkaNode;
import dev.addp.embedded.KafkaNodeMain;
import dev.addp.platform.kafka.TopicReplication;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A KRaft cluster whose nodes are processes ({@link KafkaNodeMain}), so a test can halt one with
 * SIGKILL, as a machine dies, and restart it on its log directory.
 */
public final class ForkedKafkaCluster implements AutoCloseable {
  private final List<KafkaNode> layout;
  private final Map<Integer, Path> logDirs = new HashMap<>();
  private final Map<Integer, Process> processes = new HashMap<>();
  private final Map<Integer, Path> logs = new HashMap<>();
  private final Map<Integer, Integer> launches = new HashMap<>();

  private ForkedKafkaCluster(List<KafkaNode> layout) { this.layout = layout; }

  /** Starts {@code size} nodes together and waits until every one serves. */
  public static ForkedKafkaCluster start(int size) throws IOException {
    ForkedKafkaCluster cluster = new ForkedKafkaCluster(KafkaNode.cluster(size));
    try {
      for (KafkaNode node : cluster.layout) {
        cluster.logDirs.put(node.nodeId(), Files.createTempDirectory("addp-kraft-forked-" + node.nodeId() + "-"));
        cluster.launch(node);
      }
      for (KafkaNode node : cluster.layout) cluster.awaitStarted(node.nodeId());
      return cluster;
    } catch (IOException | RuntimeException | AssertionError e) {
      cluster.close();
      throw e;
    }
  }

  public String bootstrapServers() { return KafkaNode.bootstrapServers(layout); }

  public TopicReplication replication() { return TopicReplication.forCluster(layout.size()); }

  /** SIGKILL: no controlled shutdown, nothing flushed, leadership and the controller's role move only when the others notice. */
  public void halt(int nodeId) throws InterruptedException {
    Process p = processes.remove(nodeId);
    p.destroyForcibly();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  /** Starts a halted node again on its log directory and ports; returns once it serves. */
  public void restart(int nodeId) throws IOException {
    launch(layout.get(nodeId - 1));
    awaitStarted(nodeId);
  }

  private void launch(KafkaNode node) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx384m",
        "-XX:+UseSerialGC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
        KafkaNodeMain.class.getName()));
    cmd.addAll(List.of(KafkaNodeMain.args(node, logDirs.get(node.nodeId()))));
    Path log = logs.computeIfAbsent(node.nodeId(), id -> {
      try {
        return Files.createTempFile("addp-kafka-node-" + id + "-", ".log");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    launches.merge(node.nodeId(), 1, Integer::sum);
    processes.put(node.nodeId(), new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start());
  }

  /**
   * Waits until the node's latest launch has said it serves (the log gathers every launch of the
   * node); up to 5 minutes, since a JVM start on a shared 2-core machine under load took over 2.
   */
  private void awaitStarted(int nodeId) {
    Process p = processes.get(nodeId);
    try {
      Awaitility.await("kafka node " + nodeId + " started").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(100))
          .failFast(() -> {
            if (!p.isAlive()) throw new AssertionError("kafka node " + nodeId + " exited:\n" + log(nodeId));
          })
          .until(() -> log(nodeId).split(KafkaNodeMain.STARTED, -1).length - 1 >= launches.get(nodeId));
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("kafka node " + nodeId + " did not start:\n" + log(nodeId), e);
    }
  }

  public String log(int nodeId) {
    try {
      return Files.readString(logs.get(nodeId));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    processes.values().forEach(Process::destroy);
    for (Process p : processes.values()) {
      try {
        if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        p.destroyForcibly();
      }
    }
    processes.clear();
    for (Path dir : logDirs.values()) deleteRecursively(dir);
    for (Path log : logs.values()) deleteRecursively(log);
  }

  private static void deleteRecursively(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // temporary files: left for the OS
    }
  }
}
