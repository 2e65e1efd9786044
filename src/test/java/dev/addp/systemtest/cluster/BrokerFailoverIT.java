package dev.addp.systemtest.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.JobState;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.Schedule;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.JobStates;
import dev.addp.systemtest.support.ForkedKafkaCluster;
import dev.addp.systemtest.support.PacedRequests;
import dev.addp.systemtest.support.ResultArrivals;
import dev.addp.systemtest.support.ReplicatedCluster;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TopicReader;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A three-node cluster (nodes are processes) under steady recognition load and generation jobs:
 * the broker leading most request partitions is halted (SIGKILL) and restarted, then the active
 * controller. Every acknowledged request is answered exactly once (read_committed), every job
 * SUCCEEDED with one terminal event, the restarted brokers are back in every ISR, and the longest
 * gap between results around each failure (the pause a client sees) is printed.
 */
class BrokerFailoverIT {
  private static final int PARTITIONS = 3;
  private static final int RATE_PER_S = 15;

  @Test
  void haltingTheBusiestBrokerAndThenTheControllerLosesAndDoublesNothing() throws Exception {
    try (ForkedKafkaCluster cluster = ForkedKafkaCluster.start(3)) {
      AddpConfig config = ReplicatedCluster.configure(cluster.bootstrapServers(), cluster.replication(), PARTITIONS)
          .with("model.dir", TestModels.modelDir().toAbsolutePath().toString()).with("worker.id", "failover-it")
          .with("recognition.batch.size", "8").with("model.intra.op.threads", "1").with("generation.batch.size", "8");
      Topics topics = Topics.from(config);
      try (RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION, ProcessRole.GENERATION), config);
           Admin admin = new KafkaClients(config).admin();
           GenerationClient jobs = new GenerationClient(config)) {
        roles.awaitReady(Duration.ofSeconds(120));
        ResultArrivals watch = new ResultArrivals(config, topics.recognitionResults());
        PacedRequests load = new PacedRequests(config, FashionMnistSample.read(TestModels.sampleDir()), RATE_PER_S);
        try (watch; load) {
          Awaitility.await("steady results").atMost(Duration.ofSeconds(120)).until(() -> watch.count() >= 8 * RATE_PER_S);

          jobs.submit(job("job-through-leader-halt"));
          int leader = leaderOfMostPartitions(admin, topics.recognitionRequests());
          Failure first = fail(cluster, leader, "leader of most request partitions", watch, admin);

          jobs.submit(job("job-through-controller-halt"));
          int controller = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
          Failure second = fail(cluster, controller, "active controller", watch, admin);

          load.stop();
          Set<String> acked = load.acked();
          Awaitility.await("every acknowledged request answered").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
              .until(() -> watch.ids().containsAll(acked));
          Map<String, Long> perId;
          try (TopicReader results = new TopicReader(config, topics.recognitionResults())) {
            AvroSerdes serdes = AvroSerdes.from(config);
            perId = results.readToEnd(Duration.ofSeconds(120)).stream()
                .map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value()))
                .collect(Collectors.groupingBy(RecognitionResult::getRequestId, Collectors.counting()));
          }
          long lost = acked.stream().filter(id -> !perId.containsKey(id)).count();
          long duplicated = perId.values().stream().filter(n -> n > 1).count();

          List<String> ids = List.of("job-through-leader-halt", "job-through-controller-halt");
          Map<String, GenerationClient.JobOutcome> outcomes = jobs.await(ids, Map.of(ids.get(0), 2, ids.get(1), 2), Duration.ofMinutes(5), e -> { });
          assertThat(jobs.readToEnd(outcomes, Duration.ofSeconds(60))).as("job events read to the committed end").isTrue();
          for (GenerationClient.JobOutcome o : outcomes.values()) {
            assertThat(o.events()).as("events of " + o.jobId() + " within 5 minutes (results: " + o.results().size()
                + "; roles stopped: " + roles.failed().stream().map(r -> r + " " + roles.reason(r)).toList() + ")").isNotEmpty();
          }

          System.out.printf("BrokerFailoverIT: %d requests acknowledged (%d sends failed), %d answered, %d lost, %d duplicated; "
              + "halted node %d (%s): longest gap between results %.1f s (%.1f s before the halt); "
              + "halted node %d (%s): longest gap %.1f s; jobs %s%n",
              acked.size(), load.failed(), perId.size(), lost, duplicated, first.node(), first.what(), first.pauseS(), first.baselineS(),
              second.node(), second.what(), second.pauseS(),
              outcomes.values().stream().map(o -> o.jobId() + " " + o.last().getState()).toList());
          assertThat(roles.failed()).as("roles that stopped on their own").isEmpty();
          assertThat(lost).as("acknowledged requests without a result").isZero();
          assertThat(duplicated).as("requests with more than one result").isZero();
          assertThat(outcomes.get(ids.get(0)).last().getTimestampMs()).as("the first job ran through its halt").isGreaterThan(first.haltedAtMs());
          assertThat(outcomes.get(ids.get(1)).last().getTimestampMs()).as("the second job ran through its halt").isGreaterThan(second.haltedAtMs());
          for (GenerationClient.JobOutcome o : outcomes.values()) {
            assertThat(o.last().getState()).as(o.jobId()).isEqualTo(JobState.SUCCEEDED);
            assertThat(o.events().stream().filter(e -> JobStates.isTerminal(e.getState()))).as("terminal events of " + o.jobId()).hasSize(1);
            assertThat(o.results()).hasSize(2);
          }
        }
      }
    }
  }

  private static GenerationRequest job(String id) {
    return GenerationRequest.newBuilder().setJobId(id).setCount(2).setSteps(150).setSchedule(Schedule.LINEAR).setSeed(5)
        .setSubmittedAtMs(System.currentTimeMillis()).build();
  }

  private record Failure(int node, String what, double pauseS, double baselineS, long haltedAtMs) { }

  /** Halts a node under load, waits until results flow again, restarts it and waits until it is back in every ISR. */
  private static Failure fail(ForkedKafkaCluster cluster, int node, String what, ResultArrivals watch, Admin admin) throws Exception {
    long before = System.nanoTime();
    double baseline = watch.longestGap(before - TimeUnit.SECONDS.toNanos(5), before);
    long haltedAtMs = System.currentTimeMillis();
    cluster.halt(node);
    long haltedAt = System.nanoTime();
    Awaitility.await("results flowing after halting node " + node).atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
        .until(() -> watch.countSince(haltedAt) >= 3 * RATE_PER_S);
    double pause = watch.longestGap(haltedAt - TimeUnit.SECONDS.toNanos(1), System.nanoTime());
    cluster.restart(node);
    Awaitility.await("node " + node + " back in every ISR").atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
        .until(() -> everyIsrFull(admin));
    return new Failure(node, what, pause, baseline, haltedAtMs);
  }

  private static int leaderOfMostPartitions(Admin admin, String topic) throws Exception {
    TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    return d.partitions().stream().collect(Collectors.groupingBy(p -> p.leader().id(), Collectors.counting())).entrySet().stream()
        .max(Map.Entry.comparingByValue()).orElseThrow().getKey();
  }

  private static boolean everyIsrFull(Admin admin) throws Exception {
    Set<String> names = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get(30, TimeUnit.SECONDS);
    for (TopicDescription d : admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
      for (TopicPartitionInfo p : d.partitions()) {
        if (p.isr().size() != p.replicas().size()) return false;
      }
    }
    return true;
  }
}
