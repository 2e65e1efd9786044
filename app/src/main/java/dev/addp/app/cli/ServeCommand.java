package dev.addp.app.cli;

import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.TopicReplication;
import dev.addp.platform.kafka.Topics;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs roles against an external Kafka cluster and schema registry until the process is stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = "Run one or more roles (ingest, recognition) against the configured Kafka cluster and schema registry.")
final class ServeCommand implements Callable<Integer> {
  @Option(names = "--role", required = true, split = ",", description = "roles to run: ${COMPLETION-CANDIDATES}")
  List<ProcessRole> roles;

  @Option(names = "--create-topics", description = "create missing topics first (topic.partitions, topic.replication.factor, topic.min.insync.replicas)")
  boolean createTopics;

  @Mixin
  ConnectionOptions connection = new ConnectionOptions();

  @Override
  public Integer call() throws Exception {
    AddpConfig config = connection.load();
    if (createTopics) {
      try (Admin admin = new KafkaClients(config).admin()) {
        TopicReplication replication = TopicReplication.from(config);
        Topics.from(config).createAll(admin, config.getInt(AddpConfig.TOPIC_PARTITIONS, 8), replication);
        System.err.println("topics ready (missing ones created with " + replication + ")");
      }
    }
    CountDownLatch stop = new CountDownLatch(1);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stop.countDown();
      try {
        stopped.await(); // let the roles finish their open batch and commit before the JVM exits
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }));
    try (RoleRunner runner = RoleRunner.start(roles, config)) {
      System.err.println("serving " + roles + " with " + config);
      System.err.println("metrics " + runner.operations().url() + "/metrics, health /health, ready /ready"
          + (runner.status() == null ? "" : "; console http://" + config.get("status.http.host", "127.0.0.1") + ":" + runner.status().port() + "/console/"));
      while (!stop.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
        List<ProcessRole> failed = runner.failed();
        if (!failed.isEmpty()) {
          for (ProcessRole role : failed) System.err.println("role " + role.name().toLowerCase(java.util.Locale.ROOT) + " stopped: " + runner.reason(role));
          System.err.println("exiting with status 1 so that the process can be restarted");
          return 1;
        }
      }
    } finally {
      stopped.countDown();
    }
    return 0;
  }
}
