package dev.addp.systemtest.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.systemtest.support.PacedRequests;
import dev.addp.systemtest.support.ResultArrivals;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import dev.addp.systemtest.support.WorkerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A fleet of recognition workers in their own JVMs under steady load: two start, a third joins
 * late, one is SIGKILLed, and the other first one is restarted (rolling). Every acknowledged
 * request is answered exactly once, the partitions end spread over the live workers, and the
 * longest time one partition went without a result around each change (the rebalance pause) is
 * printed with the time the group took to settle. The consumer group protocol is
 * {@code addp.it.group.protocol} ({@code classic}, the default, or {@code consumer}).
 * (Generation workers in their own JVMs, one SIGKILLed mid-job: {@code GenerationCrashIT}.)
 */
class WorkerFleetIT {
  private static final int PARTITIONS = 6;
  private static final int RATE_PER_S = 15;

  @Test
  void workersJoinDieAndRestartUnderLoadWithoutLosingOrDoublingAResult() throws Exception {
    String protocol = System.getProperty("addp.it.group.protocol", "classic");
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "fleet-" + protocol, PARTITIONS)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString()).with("recognition.batch.size", "8")
        .with("model.intra.op.threads", "1").with("generation.batch.size", "8").with(KafkaClients.WORKER_GROUP_PROTOCOL, protocol);
    Topics topics = Topics.from(config);
    String recognitionGroup = new ClientIds(topics.prefix()).recognitionGroup();
    try (RoleRunner ingest = RoleRunner.start(List.of(ProcessRole.INGEST), config.with("worker.id", "fleet-ingest"));
         WorkerProcess r1 = WorkerProcess.start("recognition", config.with("worker.id", "fleet-r1"));
         WorkerProcess r2 = WorkerProcess.start("recognition", config.with("worker.id", "fleet-r2"));
         Admin admin = new KafkaClients(config).admin()) {
      ingest.awaitReady(Duration.ofSeconds(120));
      for (WorkerProcess w : List.of(r1, r2)) w.awaitLog("assigned [", Duration.ofSeconds(300));
      ResultArrivals watch = new ResultArrivals(config, topics.recognitionResults());
      PacedRequests load = new PacedRequests(config, FashionMnistSample.read(TestModels.sampleDir()), RATE_PER_S);
      WorkerProcess r3 = null;
      WorkerProcess r2again = null;
      try (watch; load) {
        Awaitility.await("steady results").atMost(Duration.ofSeconds(300)).until(() -> watch.count() >= 8 * RATE_PER_S);
        long steady = System.nanoTime();
        double baseline = watch.longestPartitionGap(steady - TimeUnit.SECONDS.toNanos(5), steady);

        long joined = System.nanoTime();
        r3 = WorkerProcess.start("recognition", config.with("worker.id", "fleet-r3"));
        r3.awaitLog("assigned [", Duration.ofSeconds(300));
        Pause joinPause = settle(watch, admin, recognitionGroup, joined, 3);

        long killed = System.nanoTime();
        r1.kill();
        Pause killPause = settle(watch, admin, recognitionGroup, killed, 2);

        long rolled = System.nanoTime();
        r2.close();
        r2again = WorkerProcess.start("recognition", config.with("worker.id", "fleet-r2"));
        try {
          r2again.awaitLog("assigned [", Duration.ofSeconds(300));
        } catch (AssertionError e) {
          throw new AssertionError("restarted worker " + (r2again.isAlive() ? "alive" : "exited") + ", no assignment", e);
        }
        Pause rollPause = settle(watch, admin, recognitionGroup, rolled, 2);

        load.stop();
        Set<String> acked = load.acked();
        Awaitility.await("every acknowledged request answered").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500))
            .until(() -> watch.ids().containsAll(acked));
        Map<String, Long> perId;
        try (TopicReader results = new TopicReader(config, topics.recognitionResults())) {
          AvroSerdes serdes = AvroSerdes.from(config);
          perId = results.readToEnd(Duration.ofSeconds(120)).stream().map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value()))
              .collect(Collectors.groupingBy(RecognitionResult::getRequestId, Collectors.counting()));
        }
        long lost = acked.stream().filter(id -> !perId.containsKey(id)).count();
        long duplicated = perId.values().stream().filter(n -> n > 1).count();
        Map<String, Integer> spread = assignment(admin, recognitionGroup);

        System.out.printf("WorkerFleetIT [group.protocol=%s]: %d requests acknowledged (%d sends failed), %d answered, %d lost, "
            + "%d duplicated; longest time a partition went without a result: %.1f s steady, %s when a worker joined, "
            + "%s when one was SIGKILLed, %s for a rolling restart; partitions per worker at the end %s%n",
            protocol, acked.size(), load.failed(), perId.size(), lost, duplicated, baseline, joinPause, killPause, rollPause, spread);
        assertThat(lost).as("acknowledged requests without a result").isZero();
        assertThat(duplicated).as("requests with more than one result").isZero();
        assertThat(spread.values().stream().mapToInt(Integer::intValue).sum()).as("every request partition assigned").isEqualTo(PARTITIONS);
        assertThat(spread.values()).as("partitions spread over both live workers").hasSize(2).allMatch(n -> n > 0);
      } finally {
        if (r3 != null) r3.close();
        if (r2again != null) r2again.close();
      }
    }
  }

  /**
   * Waits until the group has {@code members} members sharing every partition and two seconds' worth
   * of results arrived after that; returns the longest time one partition went
   * without a result since {@code since}, and how long the group took to settle.
   */
  private static Pause settle(ResultArrivals watch, Admin admin, String group, long since, int members) {
    Awaitility.await(members + " workers sharing every partition").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          Map<String, Integer> a = assignment(admin, group);
          return a.size() == members && a.values().stream().mapToInt(Integer::intValue).sum() == PARTITIONS
              && a.values().stream().allMatch(n -> n > 0);
        });
    long stable = System.nanoTime();
    Awaitility.await("results flowing again").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
        .until(() -> watch.countSince(stable) >= 2L * RATE_PER_S);
    return new Pause(watch.longestPartitionGap(since - TimeUnit.SECONDS.toNanos(1), System.nanoTime()), (stable - since) / 1e9);
  }

  /** The longest time one partition went without a result, and when the group was seen sharing every partition again. */
  private record Pause(double gapS, double settledS) {
    @Override
    public String toString() { return String.format("%.1f s (group settled after %.1f s)", gapS, settledS); }
  }

  /** Request partitions per group member (client id) with any. */
  private static Map<String, Integer> assignment(Admin admin, String group) throws Exception {
    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
    return d.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty())
        .collect(Collectors.toMap(MemberDescription::clientId, m -> m.assignment().topicPartitions().size(), Integer::sum));
  }
}
