package dev.addp.systemtest.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.avro.DatasetManifest;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.JobState;
import dev.addp.avro.Schedule;
import dev.addp.embedded.EmbeddedCluster;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.processors.status.InstanceRouter;
import dev.addp.systemtest.support.ReplicatedCluster;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.WorkerProcess;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.utils.Utils;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two status instances of one Kafka Streams application on a three-broker cluster: each holds half
 * of the job-status and dataset tables, and either answers {@code GET /jobs/{id}} and
 * {@code GET /datasets/{id}} for every key (forwarding to the owner). One instance (its own JVM) is
 * SIGKILLed while the jobs run: the other answers every key at once from its standby replicas,
 * takes the partitions over when the group notices, and shows every job SUCCEEDED.
 */
class StatusInstancesIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PARTITIONS = 4;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /** One key per partition, so that both instances own some of them whichever partitions they get. */
  private static List<String> keysOnEveryPartition(String prefix) {
    List<String> keys = new ArrayList<>();
    Set<Integer> covered = new HashSet<>();
    for (int i = 0; covered.size() < PARTITIONS; i++) {
      String key = prefix + i;
      if (covered.add(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % PARTITIONS)) keys.add(key);
    }
    return keys;
  }

  private record Answer(int status, String servedBy, String copy, JsonNode body) { }

  private static Answer get(String base, String path) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      boolean json = r.headers().firstValue("Content-Type").orElse("").startsWith("application/json");
      return new Answer(r.statusCode(), r.headers().firstValue(InstanceRouter.SERVED_BY).orElse(""),
          r.headers().firstValue(InstanceRouter.SERVED_FROM).orElse(""), r.statusCode() == 200 && json ? JSON.readTree(r.body()) : null);
    } catch (java.io.IOException e) {
      return new Answer(-1, "", "", null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String raw(String url) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + " " + r.body();
    } catch (Exception e) {
      return e.toString();
    }
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void eitherInstanceAnswersForEveryKeyAndOneSurvivesTheOthersDeath() throws Exception {
    try (EmbeddedCluster cluster = EmbeddedCluster.start(3)) {
      AddpConfig config = ReplicatedCluster.configure(cluster, PARTITIONS)
          .with("model.dir", TestModels.modelDir().toAbsolutePath().toString()).with("worker.id", "status-it")
          .with("generation.batch.size", "16").with("model.intra.op.threads", "1");
      int portB = freePort();
      AddpConfig statusA = config.with("status.http.port", "0")
          .with("streams.state.dir", Files.createTempDirectory("addp-status-a").toString());
      AddpConfig statusB = config.with("status.http.port", String.valueOf(portB))
          .with("streams.state.dir", Files.createTempDirectory("addp-status-b").toString());
      List<String> jobs = keysOnEveryPartition("job-");
      List<String> datasets = keysOnEveryPartition("dataset-");
      try (RoleRunner generation = RoleRunner.start(List.of(ProcessRole.GENERATION), config);
           RoleRunner a = RoleRunner.start(List.of(ProcessRole.STATUS), statusA);
           WorkerProcess b = WorkerProcess.start("status", statusB);
           GenerationClient client = new GenerationClient(config)) {
        generation.awaitReady(Duration.ofSeconds(120));
        a.awaitReady(Duration.ofSeconds(120));
        String urlA = "http://127.0.0.1:" + a.status().port();
        String urlB = "http://127.0.0.1:" + portB;
        String selfA = "127.0.0.1:" + a.status().port();
        String selfB = "127.0.0.1:" + portB;
        try {
          Awaitility.await("instance B serving").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
              .until(() -> get(urlB, "/health").status() == 200);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
          throw new AssertionError("instance B not serving (" + raw(urlB + "/health") + "; A " + raw(urlA + "/health") + "); its log:\n"
              + b.log(), e);
        }

        writeManifests(config, datasets);
        // long jobs (about a minute of steps between them), so that they run through the kill
        client.submitAll(jobs.stream().map(id -> GenerationRequest.newBuilder().setJobId(id).setCount(2).setSteps(300)
            .setSchedule(Schedule.LINEAR).setSeed(3).setSubmittedAtMs(System.currentTimeMillis()).build()).toList());

        // both instances answer for every key, and between them they own all of them
        List<String> paths = new ArrayList<>();
        jobs.forEach(j -> paths.add("/jobs/" + j));
        datasets.forEach(d -> paths.add("/datasets/" + d));
        Awaitility.await("every key answered by both instances, owned by both").atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(300)).until(() -> {
              Set<String> owners = new HashSet<>();
              for (String path : paths) {
                Answer fromA = get(urlA, path);
                Answer fromB = get(urlB, path);
                if (fromA.status() != 200 || fromB.status() != 200 || !fromA.servedBy().equals(fromB.servedBy())
                    || !fromA.copy().equals("active") || !fromB.copy().equals("active")) return false;
                owners.add(fromA.servedBy());
              }
              return owners.equals(Set.of(selfA, selfB));
            });
        for (String d : datasets) {
          assertThat(get(urlB, "/datasets/" + d).body().path("total").asInt()).as(d + " from B").isEqualTo(7);
          assertThat(get(urlA, "/datasets/" + d).body().path("total").asInt()).as(d + " from A").isEqualTo(7);
        }
        assertThat(JSON.convertValue(get(urlA, "/jobs").body(), List.class)).as("the job list from A gathers both instances").hasSize(jobs.size());
        Map<String, String> ownerBefore = paths.stream().collect(Collectors.toMap(Function.identity(), p -> get(urlA, p).servedBy()));
        List<String> ownedByB = paths.stream().filter(p -> ownerBefore.get(p).equals(selfB)).toList();
        Awaitility.await("every job running").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
            .until(() -> jobs.stream().allMatch(j -> "RUNNING".equals(get(urlA, "/jobs/" + j).body().path("state").asText())));

        b.kill();
        long killedAt = System.nanoTime();
        // the group has not noticed yet (session timeout): A answers B's keys from its standby copies
        Set<String> fromStandby = new HashSet<>();
        Awaitility.await("A answers every key after B's death").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
            .until(() -> paths.stream().allMatch(p -> {
              Answer r = get(urlA, p);
              if (r.status() == 200 && r.copy().equals("standby")) fromStandby.add(p);
              return r.status() == 200 && r.body() != null;
            }));
        double pauseS = (System.nanoTime() - killedAt) / 1e9;
        assertThat(fromStandby).as("B's keys answered from A's standby copies before the group noticed B's death")
            .containsExactlyInAnyOrderElementsOf(ownedByB);

        Awaitility.await("A owns every key").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
            .until(() -> paths.stream().allMatch(p -> {
              Answer r = get(urlA, p);
              return r.servedBy().equals(selfA) && r.copy().equals("active");
            }));
        double takeoverS = (System.nanoTime() - killedAt) / 1e9;

        Map<String, GenerationClient.JobOutcome> outcomes = client.await(jobs, jobs.stream().collect(Collectors.toMap(j -> j, j -> 2)),
            Duration.ofMinutes(5), e -> { });
        outcomes.values().forEach(o -> assertThat(o.last().getState()).as(o.jobId()).isEqualTo(JobState.SUCCEEDED));
        Awaitility.await("A shows every job SUCCEEDED").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
            .until(() -> jobs.stream().allMatch(j -> "SUCCEEDED".equals(get(urlA, "/jobs/" + j).body().path("state").asText())));
        for (String d : datasets) assertThat(get(urlA, "/datasets/" + d).body().path("total").asInt()).isEqualTo(7);
        int topics = ReplicatedCluster.assertEveryTopicReplicated(config);
        System.out.printf("StatusInstancesIT: %d jobs and %d datasets; %d keys owned by the killed instance; every key answered "
            + "%.2f s after the kill (standby copies), the survivor owned all of them %.1f s after it; %d topics at RF 3, min.insync 2%n",
            jobs.size(), datasets.size(), ownedByB.size(), pauseS, takeoverS, topics);
      }
    }
  }

  private static void writeManifests(AddpConfig config, List<String> datasets) {
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    try (KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer()) {
      for (String d : datasets) {
        DatasetManifest m = DatasetManifest.newBuilder().setDataset(d).setTotal(7).setSubmittedAtMs(System.currentTimeMillis()).build();
        producer.send(new ProducerRecord<>(topics.datasets(), d.getBytes(StandardCharsets.UTF_8),
            serdes.of(DatasetManifest.class).serialize(topics.datasets(), m)));
      }
      producer.flush();
    }
  }
}
