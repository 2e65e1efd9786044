package dev.addp.systemtest.connect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.Topics;
import dev.addp.systemtest.support.BadImages;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka Connect in-process: image files dropped in a folder become image requests, pass the ingest
 * stage (a corrupt file becomes a dead letter), and a restarted connector does not send them again.
 */
class ImageFolderConnectIT {
  @Test
  void filesInAFolderFlowIntoTheServiceOnceEach(@TempDir Path folder, @TempDir Path state) throws Exception {
    for (int i = 0; i < 12; i++) Files.write(folder.resolve(String.format("img-%02d.png", i)), BadImages.encode(BadImages.grey(28, 28, i), "png"));
    Files.write(folder.resolve("broken.jpg"), BadImages.randomBytes(400, 9));
    Files.writeString(folder.resolve("notes.txt"), "not an image, not picked up");
    Path offsets = state.resolve("offsets");
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "connect", 1)
        .with("connect.image.folder", folder.toString()).with("connect.dataset", "shelf")
        .with("connect.offsets.file", offsets.toString());
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    try (TopicReader accepted = new TopicReader(config, topics.recognitionRequests());
         TopicReader dead = new TopicReader(config, topics.deadLetters());
         TopicReader raw = new TopicReader(config, topics.imagesRaw())) {
      try (RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.CONNECT), config)) {
        List<ConsumerRecord<byte[], byte[]>> ok = accepted.readUntil(rs -> rs.size() >= 12, Duration.ofSeconds(60));
        Set<String> ids = ok.stream().map(r -> serdes.imageRequest().deserialize(r.topic(), r.value()))
            .map(ImageRequest::getRequestId).collect(Collectors.toSet());
        assertThat(ids).hasSize(12).contains("shelf/img-00.png", "shelf/img-11.png");
        DeadLetter d = serdes.deadLetter().deserialize(topics.deadLetters(),
            dead.readUntil(rs -> !rs.isEmpty(), Duration.ofSeconds(30)).get(0).value());
        assertThat(d.getRequestId()).isEqualTo("shelf/broken.jpg");
        assertThat(d.getErrorType()).isEqualTo(ErrorType.UNKNOWN_FORMAT);
        Files.write(folder.resolve("img-12.png"), BadImages.encode(BadImages.grey(28, 28, 12), "png"));
        assertThat(accepted.readUntil(rs -> rs.size() >= 13, Duration.ofSeconds(30))).hasSize(13);
        // Connect stores a file's offset (its path in the key) once the record is acknowledged, every flush interval
        Awaitility.await("img-12.png in the stored offsets").atMost(Duration.ofSeconds(30))
            .until(() -> storedOffsets(offsets).contains("img-12.png"));
      }
      try (RoleRunner again = RoleRunner.start(List.of(ProcessRole.CONNECT), config)) {
        // The task sends in name order to a one-partition topic: once a file named after every other
        // one arrives, anything the restarted task would send again is already in the topic before it.
        Files.write(folder.resolve("img-99-marker.png"), BadImages.encode(BadImages.grey(28, 28, 99), "png"));
        List<ConsumerRecord<byte[], byte[]>> all = raw.readUntil(rs -> rs.stream().anyMatch(r -> idOf(serdes, r).endsWith("marker.png")),
            Duration.ofSeconds(60));
        assertThat(all.stream().map(r -> idOf(serdes, r))).as("a restarted connector sends nothing twice")
            .hasSize(15).doesNotHaveDuplicates().endsWith("shelf/img-99-marker.png");
      }
    }
  }

  private static String idOf(AvroSerdes serdes, ConsumerRecord<byte[], byte[]> r) {
    return serdes.imageRequest().deserialize(r.topic(), r.value()).getRequestId();
  }

  /** The offsets file's bytes as text: Connect writes each key (JSON with the file's path) verbatim into it. */
  private static String storedOffsets(Path file) throws java.io.IOException {
    return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1) : "";
  }
}
