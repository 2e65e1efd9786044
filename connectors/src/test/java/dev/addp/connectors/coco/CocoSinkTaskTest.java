package dev.addp.connectors.coco;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.addp.avro.RecognitionResult;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.schemas.wire.AvroWireSerde;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The COCO sink against a registry that goes away: a batch it cannot read for the outage is
 * retried (RetriableException, Connect delivers it again), never skipped with its offset committed;
 * once the registry answers every result lands once. Records that can never be written (junk bytes,
 * a dataset name with a NUL, 300 characters or a '..') are refused while the rest of the batch lands.
 */
class CocoSinkTaskTest {
  private static final String TOPIC = "t.recognition.results";
  @TempDir Path out;
  private HttpServer registry;
  private volatile boolean down;
  private AvroWireSerde<RecognitionResult> writer;

  @BeforeEach
  void start() throws IOException {
    registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] schema = new ObjectMapper().writeValueAsBytes(Map.of("schema", RecognitionResult.getClassSchema().toString()));
    registry.createContext("/", x -> {
      x.getRequestBody().readAllBytes();
      byte[] body = down ? "{\"error_code\":50301,\"message\":\"down\"}".getBytes(StandardCharsets.UTF_8)
          : x.getRequestURI().getPath().startsWith("/schemas/ids/") ? schema : "{\"id\":7}".getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(down ? 503 : 200, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    registry.start();
    writer = AvroWireSerde.of(new SchemaRegistryClient(url()), RecognitionResult.class);
  }

  @AfterEach
  void stop() { registry.stop(0); }

  private String url() { return "http://127.0.0.1:" + registry.getAddress().getPort(); }

  private CocoSinkTask task() {
    CocoSinkTask task = new CocoSinkTask();
    task.start(Map.of(CocoSinkConfig.OUTPUT_DIR, out.toString(), "registry.url", url()));
    return task;
  }

  private SinkRecord record(long offset, byte[] value) { return new SinkRecord(TOPIC, 0, null, null, null, value, offset); }

  private SinkRecord result(long offset, String dataset, String id) {
    RecognitionResult r = CocoDatasetTest.result("x/" + id, 4, 3, List.of(), List.of(), List.of());
    r.setDataset(dataset);
    r.setRequestId(dataset + "/" + id);
    return record(offset, writer.serialize(TOPIC, r));
  }

  @Test
  void aRegistryOutageIsRetriedNeverSkippedAndEveryResultLandsOnce() throws IOException {
    List<SinkRecord> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) batch.add(result(i, "pets", "img-" + i));
    CocoSinkTask task = task(); // a fresh task: the schema id is not cached yet, reading needs the registry
    down = true;
    assertThatThrownBy(() -> task.put(batch)).isInstanceOf(RetriableException.class).hasMessageContaining("registry unreachable");
    // Connect commits only what put accepted; nothing was written
    task.preCommit(Map.of());
    assertThat(Files.exists(out.resolve("pets.coco.json"))).isFalse();

    down = false;
    task.put(batch); // the same batch, delivered again
    task.put(batch.subList(0, 2)); // and a redelivery after a restart would not double anything
    Map<TopicPartition, OffsetAndMetadata> offsets = Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(5));
    assertThat(task.preCommit(offsets)).isEqualTo(offsets);
    assertThat(imageIds(out.resolve("pets.coco.json"))).containsExactlyInAnyOrder("img-0", "img-1", "img-2", "img-3", "img-4");
    task.stop();
  }

  @Test
  void recordsThatCanNeverBeWrittenAreRefusedAndTheRestLands() throws IOException {
    CocoSinkTask task = task();
    task.put(List.of(result(0, "pets", "a"), record(1, "junk".getBytes(StandardCharsets.UTF_8)), result(2, "bad\0name", "b"),
        result(3, "d".repeat(300), "c"), result(4, "..", "d"), result(5, "pets", "e")));
    task.preCommit(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(6)));
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("pets.coco.json", "pets.coco.jsonl");
    }
    assertThat(imageIds(out.resolve("pets.coco.json"))).containsExactlyInAnyOrder("a", "e");
    task.stop();
  }

  private static List<String> imageIds(Path coco) throws IOException {
    List<String> ids = new ArrayList<>();
    for (JsonNode image : new ObjectMapper().readTree(coco.toFile()).path("images")) {
      String name = image.path("file_name").asText();
      ids.add(name.substring(name.lastIndexOf('/') + 1));
    }
    return ids;
  }
}
