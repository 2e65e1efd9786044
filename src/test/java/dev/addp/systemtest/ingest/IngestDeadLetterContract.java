package dev.addp.systemtest.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.CancelCommand;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.processors.ingest.IngestTopology;
import dev.addp.processors.streams.StreamsRunner;
import dev.addp.systemtest.support.BadImages;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * The ingest stage against a real broker and registry: every kind of bad input reaches the
 * dead-letter topic with its own typed reason and its original coordinates, while the valid
 * requests around it keep flowing to the recognition topic. Run on the embedded stack and, where
 * Docker exists, on containers.
 */
public abstract class IngestDeadLetterContract {
  protected abstract AddpConfig stackConfig();

  @Test
  void everyBadInputGetsATypedDeadLetterWhileValidRequestsFlow() throws Exception {
    AddpConfig config = TestTopics.isolate(stackConfig(), "ingest", 2);
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    byte[] png = BadImages.encode(BadImages.grey(28, 28, 7), "png");
    byte[] jpeg = BadImages.encode(BadImages.grey(64, 48, 8), "jpeg");

    Map<String, byte[]> badImages = new LinkedHashMap<>();
    badImages.put("zero-bytes", new byte[0]);
    badImages.put("random-bytes", BadImages.randomBytes(500, 1));
    badImages.put("truncated-png", BadImages.truncated(png));
    badImages.put("truncated-jpeg", BadImages.truncated(jpeg));
    badImages.put("huge-png-header", BadImages.pngHeaderOnly(50_000, 50_000));
    badImages.put("psd", BadImages.psd());
    Map<String, ErrorType> expected = new LinkedHashMap<>();
    expected.put("zero-bytes", ErrorType.EMPTY_IMAGE);
    expected.put("random-bytes", ErrorType.UNKNOWN_FORMAT);
    expected.put("truncated-png", ErrorType.TRUNCATED_IMAGE);
    expected.put("truncated-jpeg", ErrorType.TRUNCATED_IMAGE);
    expected.put("huge-png-header", ErrorType.TOO_MANY_PIXELS);
    expected.put("psd", ErrorType.UNSUPPORTED_FORMAT);
    expected.put("unknown-schema-id", ErrorType.UNKNOWN_SCHEMA_ID);
    expected.put("not-avro", ErrorType.NOT_WIRE_FORMAT);
    expected.put("wrong-schema", ErrorType.SCHEMA_MISMATCH);
    expected.put("top-k-zero", ErrorType.INVALID_REQUEST);
    expected.put("file-outside-roots", ErrorType.IMAGE_URI_UNREADABLE);

    try (StreamsRunner ingest = new StreamsRunner(IngestTopology.build(config, serdes),
            new KafkaClients(config).streams(IngestTopology.applicationId(config))).start();
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer()) {
      String raw = topics.imagesRaw();
      int valid = 0;
      for (Map.Entry<String, byte[]> bad : badImages.entrySet()) {
        send(producer, raw, "ok-" + valid, serdes.imageRequest().serialize(raw, request("ok-" + valid++, png)));
        send(producer, raw, bad.getKey(), serdes.imageRequest().serialize(raw, request(bad.getKey(), bad.getValue())));
      }
      send(producer, raw, "unknown-schema-id", new byte[] {0, 0, 0, 0x7F, (byte) 0xFF, 2, 4, 6});
      send(producer, raw, "not-avro", "{\"request_id\":\"x\"}".getBytes(StandardCharsets.UTF_8));
      send(producer, raw, "wrong-schema", serdes.cancelCommand().serialize(raw, new CancelCommand("job-1", null, 1L)));
      ImageRequest topKZero = request("top-k-zero", png);
      topKZero.setTopK(0);
      send(producer, raw, "top-k-zero", serdes.imageRequest().serialize(raw, topKZero));
      ImageRequest outside = request("file-outside-roots", null);
      outside.setImageUri("file:///etc/passwd");
      send(producer, raw, "file-outside-roots", serdes.imageRequest().serialize(raw, outside));
      for (int i = 0; i < 5; i++) send(producer, raw, "ok-" + valid, serdes.imageRequest().serialize(raw, request("ok-" + valid++, png)));
      producer.flush();
      int validCount = valid;

      Map<String, DeadLetter> deadByKey = new HashMap<>();
      try (TopicReader dlq = new TopicReader(config, topics.deadLetters());
           TopicReader accepted = new TopicReader(config, topics.recognitionRequests())) {
        for (ConsumerRecord<byte[], byte[]> r : dlq.readUntil(rs -> rs.size() >= expected.size(), Duration.ofSeconds(60))) {
          deadByKey.put(new String(r.key(), StandardCharsets.UTF_8), serdes.deadLetter().deserialize(r.topic(), r.value()));
        }
        List<ConsumerRecord<byte[], byte[]>> ok = accepted.readUntil(rs -> rs.size() >= validCount, Duration.ofSeconds(60));
        assertThat(ok).hasSize(validCount);
        for (ConsumerRecord<byte[], byte[]> r : ok) {
          ImageRequest req = serdes.imageRequest().deserialize(r.topic(), r.value());
          assertThat(req.getRequestId()).startsWith("ok-");
          assertThat(req.getInfo().getFormat()).isEqualTo("png");
          assertThat(req.getInfo().getWidth()).isEqualTo(28);
        }
        assertThat(dlq.readToEnd(Duration.ofSeconds(60))).hasSize(expected.size());
      }
      assertThat(deadByKey.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
      expected.forEach((key, type) -> {
        DeadLetter d = deadByKey.get(key);
        assertThat(d.getErrorType()).as(key + ": " + d.getMessage()).isEqualTo(type);
        assertThat(d.getStage()).isEqualTo("ingest");
        assertThat(d.getSource().getTopic()).isEqualTo(raw);
        assertThat(d.getSource().getOffset()).isGreaterThanOrEqualTo(0);
        assertThat(d.getMessage()).isNotBlank();
        assertThat(d.getOriginalValue()).as("original bytes kept for " + key).isNotNull();
      });
      assertThat(deadByKey.get("truncated-png").getRequestId()).isEqualTo("truncated-png");
      // unreadable values: the request id comes from the record key
      assertThat(deadByKey.get("not-avro").getRequestId()).isEqualTo("not-avro");
      assertThat(deadByKey.get("unknown-schema-id").getRequestId()).isEqualTo("unknown-schema-id");
      assertThat(ingest.isRunning()).as("ingest keeps running after bad input").isTrue();
    }
  }

  private static ImageRequest request(String id, byte[] image) {
    return ImageRequest.newBuilder().setRequestId(id).setDataset("ingest-test")
        .setImageBytes(image == null ? null : ByteBuffer.wrap(image)).setSubmittedAtMs(System.currentTimeMillis()).build();
  }

  private static void send(KafkaProducer<byte[], byte[]> p, String topic, String key, byte[] value) {
    p.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value));
  }
}
