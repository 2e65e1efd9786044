package dev.addp.systemtest.ingest;

import static org.assertj.core.api.Assertions.assertThat;

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
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import dev.addp.systemtest.support.UriEscapes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain mode: the ingest reads {@code file:} URIs only under {@code image.uri.roots}; every way out
 * ({@code ..}, encoded {@code ..}, a link to a file or to a folder outside) is a typed dead letter,
 * while files under the root, also through a link that stays there, are accepted. The same cases
 * run on the secured broker in {@code SecureClusterIT}.
 */
class ImageUriRootsIT {
  @TempDir Path tmp;

  @Test
  void fileUrisLeavingTheRootsAreDeadLetteredAndFilesUnderThemAccepted() throws Exception {
    UriEscapes uris = UriEscapes.create(tmp, BadImages.encode(BadImages.grey(28, 28, 3), "png"));
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "uri-roots", 1).with("image.uri.roots", uris.root());
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    try (StreamsRunner ingest = new StreamsRunner(IngestTopology.build(config, serdes),
            new KafkaClients(config).streams(IngestTopology.applicationId(config))).start();
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer();
         TopicReader dlq = new TopicReader(config, topics.deadLetters());
         TopicReader accepted = new TopicReader(config, topics.recognitionRequests())) {
      Map<String, String> all = new HashMap<>(uris.allowed());
      all.putAll(uris.escapes());
      all.forEach((id, uri) -> producer.send(new ProducerRecord<>(topics.imagesRaw(), id.getBytes(StandardCharsets.UTF_8),
          serdes.imageRequest().serialize(topics.imagesRaw(), request(id, uri)))));
      producer.flush();

      Map<String, DeadLetter> dead = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : dlq.readUntil(rs -> rs.size() >= uris.escapes().size(), Duration.ofSeconds(90))) {
        dead.put(new String(r.key(), StandardCharsets.UTF_8), serdes.deadLetter().deserialize(r.topic(), r.value()));
      }
      Map<String, ImageRequest> ok = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : accepted.readUntil(rs -> rs.size() >= uris.allowed().size(), Duration.ofSeconds(90))) {
        ImageRequest req = serdes.imageRequest().deserialize(r.topic(), r.value());
        ok.put(req.getRequestId(), req);
      }
      assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(uris.escapes().keySet());
      dead.forEach((id, d) -> {
        assertThat(d.getErrorType()).as(id).isEqualTo(ErrorType.IMAGE_URI_UNREADABLE);
        assertThat(d.getMessage()).as(id).contains("outside the allowed roots");
      });
      assertThat(ok.keySet()).containsExactlyInAnyOrderElementsOf(uris.allowed().keySet());
      ok.values().forEach(req -> assertThat(req.getInfo().getFormat()).isEqualTo("png"));
      assertThat(ingest.isRunning()).isTrue();
    }
  }

  static ImageRequest request(String id, String uri) {
    return ImageRequest.newBuilder().setRequestId(id).setDataset("uri-roots").setImageUri(uri)
        .setSubmittedAtMs(System.currentTimeMillis()).build();
  }
}
