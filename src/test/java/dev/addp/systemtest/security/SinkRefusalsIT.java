package dev.addp.systemtest.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.addp.app.roles.InProcessConnect;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.avro.Classification;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageInfo;
import dev.addp.avro.ModelRef;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.RecognitionTimings;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Connect sinks on a real broker and registry, fed records they can never write: junk bytes and
 * names that would leave their folder (a dataset name with a NUL, a job id {@code ..}). Each lands in
 * the service's dead-letter topic as a typed dead letter naming the sink, in the format the workers
 * write, and the sinks keep serving: the good records sent after them are written.
 */
class SinkRefusalsIT {
  @TempDir Path out;

  @Test
  void refusedRecordsAreTypedDeadLettersAndTheSinksKeepServing() throws Exception {
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "sink-refusals", 1);
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    Path coco = out.resolve("coco");
    Path images = out.resolve("images");
    String cocoName = topics.prefix() + "coco-refusals";
    AddpConfig connect = config.with("connect.coco.dir", coco.toString()).with("connect.coco.name", cocoName)
        .with("connect.images.dir", images.toString()).with("connect.offsets.file", out.resolve("offsets").toString())
        .with("metrics.http.port", "0");
    try (RoleRunner sinks = RoleRunner.start(List.of(ProcessRole.CONNECT), connect);
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer();
         TopicReader deadLetters = new TopicReader(config, topics.deadLetters())) {
      String results = topics.recognitionResults();
      String generated = topics.generationResults();
      send(producer, results, "refusals/junk", "not avro".getBytes(StandardCharsets.UTF_8));
      send(producer, results, "refusals/nul", serdes.recognitionResult().serialize(results, result("refusals/nul", "a\0b")));
      send(producer, results, "refusals/good", serdes.recognitionResult().serialize(results, result("refusals/good", "refusals")));
      send(producer, generated, "..", serdes.generationResult().serialize(generated, image("..", 0)));
      send(producer, generated, "junk-image", new byte[] {0, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3});
      send(producer, generated, "good-job", serdes.generationResult().serialize(generated, image("good-job", 0)));

      // the records sent after the refused ones are written
      await().atMost(Duration.ofSeconds(120)).until(() -> Files.exists(coco.resolve("refusals.coco.json"))
          && Files.exists(images.resolve("good-job").resolve("0.png")));
      assertThat(new String(Files.readAllBytes(coco.resolve("refusals.coco.json")), StandardCharsets.UTF_8)).contains("refusals/good");

      Map<String, DeadLetter> byKey = new HashMap<>();
      deadLetters.readUntil(seen -> {
        byKey.clear();
        for (ConsumerRecord<byte[], byte[]> r : seen) {
          DeadLetter d = serdes.deadLetter().deserialize(r.topic(), r.value()); // the workers' format: fails on anything else
          byKey.put(new String(r.key(), StandardCharsets.UTF_8), d);
        }
        return byKey.size() >= 4;
      }, Duration.ofSeconds(60));
      assertThat(byKey).containsOnlyKeys("refusals/junk", "refusals/nul", "..", "junk-image");

      DeadLetter junk = byKey.get("refusals/junk");
      assertThat(junk.getStage()).isEqualTo(cocoName);
      assertThat(junk.getErrorType()).isEqualTo(ErrorType.NOT_WIRE_FORMAT);
      assertThat(junk.getSource().getTopic()).isEqualTo(results);
      assertThat(bytes(junk.getOriginalValue())).isEqualTo("not avro".getBytes(StandardCharsets.UTF_8));
      DeadLetter nul = byKey.get("refusals/nul");
      assertThat(nul.getStage()).isEqualTo(cocoName);
      assertThat(nul.getErrorType()).isEqualTo(ErrorType.INVALID_REQUEST);
      assertThat(nul.getMessage()).startsWith("dataset ");

      String imagesName = InProcessConnect.imagesSinkName(topics);
      DeadLetter dotdot = byKey.get("..");
      assertThat(dotdot.getStage()).isEqualTo(imagesName);
      assertThat(dotdot.getErrorType()).isEqualTo(ErrorType.INVALID_REQUEST);
      assertThat(dotdot.getMessage()).startsWith("job_id ");
      assertThat(dotdot.getSource().getTopic()).isEqualTo(generated);
      assertThat(byKey.get("junk-image").getStage()).isEqualTo(imagesName);
      assertThat(byKey.get("junk-image").getErrorType()).isEqualTo(ErrorType.UNKNOWN_SCHEMA_ID);
      try (var written = Files.list(images)) {
        assertThat(written.map(p -> p.getFileName().toString())).containsExactly("good-job"); // nothing outside, nothing for '..'
      }

      // and they go on serving after the dead letters: one more of each
      send(producer, results, "refusals/later", serdes.recognitionResult().serialize(results, result("refusals/later", "refusals")));
      send(producer, generated, "later-job", serdes.generationResult().serialize(generated, image("later-job", 0)));
      await().atMost(Duration.ofSeconds(60)).until(() -> Files.exists(images.resolve("later-job").resolve("0.png"))
          && new String(Files.readAllBytes(coco.resolve("refusals.coco.json")), StandardCharsets.UTF_8).contains("refusals/later"));
      assertThat(deadLetters.readToEnd(Duration.ofSeconds(30))).as("nothing more dead-lettered").hasSize(4);
    }
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, String key, byte[] value) throws Exception {
    producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  private static RecognitionResult result(String id, String dataset) {
    return RecognitionResult.newBuilder().setRequestId(id).setDataset(dataset)
        .setModel(new ModelRef("m", "1", "abc")).setImage(new ImageInfo("png", 28, 28, 100L))
        .setClassifications(List.of(new Classification(1, "Trouser", 0.9f)))
        .setTimings(new RecognitionTimings(0.0, 0.0, 0.0, 1)).setWorkerId("w").setAttributes(Map.of())
        .setProducedAtMs(System.currentTimeMillis()).build();
  }

  private static GenerationResult image(String jobId, int index) throws IOException {
    return GenerationResult.newBuilder().setJobId(jobId).setIndex(index).setSeed(1).setPng(ByteBuffer.wrap(png())).setWidth(1)
        .setHeight(1).setTokenIds(new ArrayList<>()).setSteps(1).setModel(new ModelRef("m", "1", "abc")).setGenerationMs(1.0)
        .setWorkerId("w").setProducedAtMs(System.currentTimeMillis()).build();
  }

  private static byte[] png() throws IOException {
    java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_BYTE_GRAY), "png", b);
    return b.toByteArray();
  }
}
