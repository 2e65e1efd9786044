package dev.addp.systemtest.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.JobState;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Hostile records against the running stack (ingest, recognition, generation, status): length bombs
 * that claim 2^31 items or bytes, junk on every topic a Streams application or worker reads, names
 * that would leave a sink's folder, a flood of 100,000 cancels of random ids and a burst of 40 MP
 * images. Each hostile record becomes a dead letter (or a FAILED job) with its typed reason, no
 * stream thread dies, {@code /health} stays green, and the 1,000 normal requests and the generation
 * jobs sent afterwards are all answered exactly once. Prints the test JVM's heap peak.
 */
class HostileRecordsIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int NORMAL = 1000;
  private static final int HUGE = 4;
  private static final int CANCEL_FLOOD = 100_000;

  @Test
  void hostileRecordsAreDeadLetteredAndEveryStageKeepsServing() throws Exception {
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "hostile", 2)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString()).with("worker.id", "hostile-it")
        .with("status.http.port", "0").with("metrics.http.port", "0");
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    FashionMnistSample sample = FashionMnistSample.read(TestModels.sampleDir());
    try (RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION, ProcessRole.GENERATION, ProcessRole.STATUS), config);
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer();
         TopicReader deadLetters = new TopicReader(config, topics.deadLetters())) {
      roles.awaitReady(Duration.ofSeconds(90));
      String ops = roles.operations().url();

      // the schema ids a real client's records carry, so the bombs get past the header check
      byte[] requestHeader = header(serdes.imageRequest().serialize(topics.imagesRaw(),
          ImageRequest.newBuilder().setRequestId("h").build()));
      byte[] eventHeader = header(serdes.generationEvent().serialize(topics.generationEvents(),
          GenerationEvent.newBuilder().setJobId("h").setState(JobState.QUEUED).setTimestampMs(1).build()));
      byte[] maxVarint = {(byte) 0xEE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F}; // 2^31 - 9, zig-zag
      byte[] stringBomb = concat(requestHeader, maxVarint, new byte[] {0}); // request_id claims 2^31 - 9 bytes: 11 bytes in all
      assertThat(stringBomb).hasSize(11);
      byte[] arrayBomb = concat(requestHeader, new byte[] {0, 0, 0, 0}, maxVarint); // tasks claims 2^31 - 9 items
      byte[] junk = "junk that is no record".getBytes(StandardCharsets.UTF_8);

      send(producer, topics.imagesRaw(), "bomb-string", stringBomb);
      send(producer, topics.imagesRaw(), "bomb-array", arrayBomb);
      send(producer, topics.recognitionRequests(), "junk-requests", junk);
      send(producer, topics.recognitionRequests(), "bomb-requests", arrayBomb);
      send(producer, topics.generationEvents(), "junk-events", junk);
      send(producer, topics.generationEvents(), "bomb-events", concat(eventHeader, maxVarint, new byte[] {0}));
      send(producer, topics.datasets(), "junk-datasets", junk);
      send(producer, topics.recognitionResults(), "junk-results", junk);
      send(producer, topics.deadLetters(), "junk-dead-letters", junk);
      send(producer, topics.generationRequests(), "junk-generation", junk);
      send(producer, topics.generationControl(), "junk-control", junk);
      // names that would leave a sink's folder or break an export
      byte[] png = sample.png(0);
      for (Map.Entry<String, String> bad : Map.of("dataset-nul", "a\0b", "dataset-long", "d".repeat(300), "dataset-dotdot", "..")
          .entrySet()) {
        send(producer, topics.imagesRaw(), bad.getKey(), serdes.imageRequest().serialize(topics.imagesRaw(),
            ImageRequest.newBuilder().setRequestId(bad.getKey()).setDataset(bad.getValue()).setImageBytes(ByteBuffer.wrap(png)).build()));
      }
      producer.flush();

      // every hostile record reaches the dead-letter topic with its stage and typed reason
      List<DeadLetter> letters = new ArrayList<>();
      Predicate<List<ConsumerRecord<byte[], byte[]>>> allHostileSeen = seen -> {
        letters.clear();
        for (ConsumerRecord<byte[], byte[]> r : seen) {
          try {
            letters.add(serdes.deadLetter().deserialize(r.topic(), r.value()));
          } catch (RuntimeException junkItself) {
            // the junk record sent to the dead-letter topic itself
          }
        }
        return letters.stream().map(DeadLetter::getRequestId).filter(id -> id != null).distinct().count() >= 14;
      };
      deadLetters.readUntil(allHostileSeen, Duration.ofSeconds(90));
      Map<String, DeadLetter> byId = new java.util.HashMap<>();
      letters.forEach(d -> byId.putIfAbsent(d.getRequestId(), d));
      assertThat(byId).containsKeys("bomb-string", "bomb-array", "junk-requests", "bomb-requests", "junk-events", "bomb-events",
          "junk-datasets", "junk-results", "junk-dead-letters", "junk-generation", "dataset-nul", "dataset-long", "dataset-dotdot");
      assertThat(byId.get("bomb-string").getStage()).isEqualTo("ingest");
      assertThat(byId.get("bomb-string").getErrorType()).isEqualTo(ErrorType.SCHEMA_MISMATCH);
      assertThat(byId.get("bomb-string").getMessage()).contains("claims 2147483639 bytes");
      assertThat(byId.get("bomb-array").getMessage()).contains("claims 2147483639 items");
      assertThat(byId.get("bomb-requests").getStage()).isEqualTo("recognition");
      assertThat(byId.get("bomb-requests").getErrorType()).isEqualTo(ErrorType.SCHEMA_MISMATCH);
      for (String id : List.of("junk-events", "junk-datasets", "junk-results", "junk-dead-letters")) {
        assertThat(byId.get(id).getStage()).as(id).isEqualTo(dev.addp.processors.status.JobStatusTopology.applicationId(config));
        assertThat(byId.get(id).getErrorType()).as(id).isEqualTo(ErrorType.NOT_WIRE_FORMAT);
      }
      assertThat(byId.get("bomb-events").getErrorType()).isEqualTo(ErrorType.SCHEMA_MISMATCH);
      assertThat(byId.get("junk-generation").getStage()).isEqualTo("generation");
      assertThat(byId.get("junk-generation").getErrorType()).isEqualTo(ErrorType.NOT_WIRE_FORMAT);
      for (String id : List.of("dataset-nul", "dataset-long", "dataset-dotdot")) {
        assertThat(byId.get(id).getErrorType()).as(id).isEqualTo(ErrorType.INVALID_REQUEST);
        assertThat(byId.get(id).getMessage()).as(id).startsWith("dataset ");
      }

      // job ids that would leave the image sink's folder end FAILED as invalid; a normal job after them succeeds
      try (GenerationClient client = new GenerationClient(config)) {
        client.submitAll(List.of(GenerationRequest.newBuilder().setJobId("..").setCount(1).build(),
            GenerationRequest.newBuilder().setJobId("a/b").setCount(1).build(),
            GenerationRequest.newBuilder().setJobId("normal-job").setCount(4).setSeed(1).build()));
        Map<String, GenerationClient.JobOutcome> jobs = client.await(List.of("..", "a/b", "normal-job"),
            Map.of("..", 0, "a/b", 0, "normal-job", 4), Duration.ofMinutes(3), e -> { });
        for (String id : List.of("..", "a/b")) {
          assertThat(jobs.get(id).last().getState()).as(id).isEqualTo(JobState.FAILED);
          assertThat(jobs.get(id).last().getErrorType()).as(id).isEqualTo(ErrorType.INVALID_REQUEST);
        }
        assertThat(jobs.get("normal-job").last().getState()).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.get("normal-job").results().stream().map(r -> r.getIndex()).sorted().toList()).as("every image once")
            .containsExactly(0, 1, 2, 3);
      }

      // a flood of 100,000 cancels of random ids on the control topic: every worker's memory for cancels stays bounded
      for (int i = 0; i < CANCEL_FLOOD; i++) {
        String id = "flood-" + java.util.UUID.randomUUID();
        send(producer, topics.generationControl(), id, serdes.cancelCommand().serialize(topics.generationControl(),
            new dev.addp.avro.CancelCommand(id, "flood", System.currentTimeMillis())));
      }
      producer.flush();

      // a burst of 40 MP images (the pixel limit) goes through the shared decode budget and is answered
      byte[] huge = hugePng(8000, 5000);
      RecognitionRoundTrip.Outcome burst = new RecognitionRoundTrip(config).run("hostile", HUGE,
          i -> new RecognitionRoundTrip.Item("huge-" + i, huge, Map.of()), Duration.ofMinutes(5), false);
      assertThat(burst.results()).as("40 MP images answered").hasSize(HUGE);

      // then every normal request is answered exactly once, and no stage is in a crash loop
      RecognitionRoundTrip.Outcome normal = new RecognitionRoundTrip(config).run("hostile", NORMAL,
          i -> new RecognitionRoundTrip.Item("normal-" + i, sample.png(i), Map.of()), Duration.ofMinutes(5), false);
      assertThat(normal.results()).hasSize(NORMAL);
      assertThat(normal.deadLetters()).isEmpty();
      try (TopicReader results = new TopicReader(config, topics.recognitionResults())) {
        Map<String, Long> perId = results.readToEnd(Duration.ofSeconds(60)).stream()
            .filter(r -> new String(r.key(), StandardCharsets.UTF_8).startsWith("normal-")) // not the junk sent there above
            .map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value()).getRequestId())
            .collect(java.util.stream.Collectors.groupingBy(id -> id, java.util.stream.Collectors.counting()));
        assertThat(perId).hasSize(NORMAL);
        assertThat(perId.values()).as("each answered once").containsOnly(1L);
      }
      try (GenerationClient client = new GenerationClient(config)) {
        client.submit(GenerationRequest.newBuilder().setJobId("after-flood").setCount(4).setSeed(2).build());
        GenerationClient.JobOutcome job = client.await(List.of("after-flood"), Map.of("after-flood", 4), Duration.ofMinutes(3), e -> { })
            .get("after-flood");
        assertThat(job.last().getState()).as("a job after the cancel flood runs").isEqualTo(JobState.SUCCEEDED);
        assertThat(job.results().stream().map(r -> r.getIndex()).sorted().toList()).containsExactly(0, 1, 2, 3);
      }
      assertThat(get(ops + "/health").statusCode()).isEqualTo(200);
      assertThat(roles.failed()).isEmpty();
      long peak = java.lang.management.ManagementFactory.getMemoryPoolMXBeans().stream()
          .filter(pool -> pool.getType() == java.lang.management.MemoryType.HEAP).mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
      System.out.printf("hostile records: heap peak %d MB (max %d MB) over the whole test JVM%n", peak >> 20,
          Runtime.getRuntime().maxMemory() >> 20);

      // the status table serves a job written after the junk
      send(producer, topics.generationEvents(), "after-junk", serdes.generationEvent().serialize(topics.generationEvents(),
          GenerationEvent.newBuilder().setJobId("after-junk").setState(JobState.QUEUED).setTimestampMs(2).build()));
      producer.flush();
      String jobs = "http://127.0.0.1:" + roles.status().port() + "/jobs/after-junk";
      await().atMost(Duration.ofSeconds(60)).until(() -> get(jobs).statusCode() == 200);
      assertThat(get(jobs).body()).contains("QUEUED");
    }
  }

  private static byte[] header(byte[] framed) { return java.util.Arrays.copyOf(framed, 5); }

  /** A grey PNG of {@code w x h} pixels with a few lines on it (small on the wire, large decoded). */
  private static byte[] hugePng(int w, int h) throws java.io.IOException {
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(w, h, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    java.awt.Graphics2D g = img.createGraphics();
    g.setColor(java.awt.Color.WHITE);
    for (int x = 0; x < w; x += 500) g.drawLine(x, 0, w - x, h);
    g.dispose();
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(img, "png", out);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteBuffer b = ByteBuffer.allocate(java.util.Arrays.stream(parts).mapToInt(p -> p.length).sum());
    for (byte[] p : parts) b.put(p);
    return b.array();
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
