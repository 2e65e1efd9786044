package dev.addp.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * One node of an embedded cluster as its own process, so that a test can halt it the way a machine
 * dies (SIGKILL: no controlled shutdown, no flush, no clean-shutdown marker) and start it again on
 * the same log directory. Arguments: log directory, cluster id, node id, broker port, controller
 * port, voters, cluster size (as {@link KafkaNode}). Prints {@value #STARTED} once it serves.
 */
public final class KafkaNodeMain {
  public static final String STARTED = "kafka node started";

  private KafkaNodeMain() { }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 7) {
      System.err.println("usage: KafkaNodeMain LOG_DIR CLUSTER_ID NODE_ID BROKER_PORT CONTROLLER_PORT VOTERS CLUSTER_SIZE");
      System.exit(2);
    }
    KafkaNode node = new KafkaNode(args[1], Integer.parseInt(args[2]), Integer.parseInt(args[3]), Integer.parseInt(args[4]), args[5],
        Integer.parseInt(args[6]));
    EmbeddedKafka kafka = EmbeddedKafka.start(node, Path.of(args[0]), false, null);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      kafka.stop();
      stopped.countDown();
    }, "kafka-node-stop"));
    System.out.println(STARTED + " " + node.nodeId() + " on " + kafka.bootstrapServers());
    System.out.flush();
    stopped.await();
  }

  /** The arguments that start {@code node} on {@code logDir}. */
  public static String[] args(KafkaNode node, Path logDir) {
    return new String[] {logDir.toString(), node.clusterId(), String.valueOf(node.nodeId()), String.valueOf(node.brokerPort()),
        String.valueOf(node.controllerPort()), node.voters(), String.valueOf(node.clusterSize())};
  }
}
