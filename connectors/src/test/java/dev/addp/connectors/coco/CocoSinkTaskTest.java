package dev.addp.connectors.coco;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.RecognitionResult;
import dev.addp.connectors.files.RefusedRecords;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkTaskContext;
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
 * a dataset name with a NUL, 300 characters or a '..') are dead-lettered with their typed reason
 * while the rest of the batch lands.
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
    CocoSinkTask task = new CocoSinkTask();
    ReportingContext context = new ReportingContext();
    task.initialize(context);
    task.start(Map.of(CocoSinkConfig.OUTPUT_DIR, out.toString(), "registry.url", url(), "name", "t.coco-export",
        RefusedRecords.DEAD_LETTER_TOPIC, "t.deadletter"));
    task.put(List.of(result(0, "pets", "a"), record(1, "junk".getBytes(StandardCharsets.UTF_8)), result(2, "bad\0name", "b"),
        result(3, "d".repeat(300), "c"), result(4, "..", "d"), result(5, "pets", "e")));
    task.preCommit(Map.of(new TopicPartition(TOPIC, 0), new OffsetAndMetadata(6)));
    try (var files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("pets.coco.json", "pets.coco.jsonl");
    }
    assertThat(imageIds(out.resolve("pets.coco.json"))).containsExactlyInAnyOrder("a", "e");
    // each refused record is reported as a typed dead letter, on its own topic and partition (Connect waits for those before committing)
    assertThat(context.reported).extracting(SinkRecord::kafkaOffset).containsExactly(1L, 2L, 3L, 4L);
    assertThat(context.reported).allSatisfy(r -> assertThat(r.topic() + "-" + r.kafkaPartition()).isEqualTo(TOPIC + "-0"));
    List<DeadLetter> letters = context.reported.stream().map(r -> deadLetter((byte[]) r.value())).toList();
    assertThat(letters).extracting(DeadLetter::getErrorType)
        .containsExactly(ErrorType.NOT_WIRE_FORMAT, ErrorType.INVALID_REQUEST, ErrorType.INVALID_REQUEST, ErrorType.INVALID_REQUEST);
    assertThat(letters).allSatisfy(d -> assertThat(d.getStage()).isEqualTo("t.coco-export"));
    assertThat(letters.get(1).getMessage()).contains("dataset");
    assertThat(letters.get(2).getSource().getOffset()).isEqualTo(3L);
    assertThat(letters.get(3).getOriginalValue()).isNotNull();
    task.stop();
  }

  /** A dead letter as the sink wrote it: the wire header, then the record in DeadLetter's own schema. */
  private static DeadLetter deadLetter(byte[] wire) {
    try {
      return new SpecificDatumReader<>(DeadLetter.class).read(null, DecoderFactory.get().binaryDecoder(wire, 5, wire.length - 5, null));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** What Connect gives a task, keeping what the task reports as errant. */
  static final class ReportingContext implements SinkTaskContext {
    final List<SinkRecord> reported = new ArrayList<>();

    @Override public ErrantRecordReporter errantRecordReporter() {
      return (record, error) -> {
        reported.add(record);
        return CompletableFuture.completedFuture(null);
      };
    }
    @Override public Map<String, String> configs() { return Map.of(); }
    @Override public void offset(Map<TopicPartition, Long> offsets) { }
    @Override public void offset(TopicPartition tp, long offset) { }
    @Override public void timeout(long timeoutMs) { }
    @Override public Set<TopicPartition> assignment() { return Set.of(new TopicPartition(TOPIC, 0)); }
    @Override public void pause(TopicPartition... partitions) { }
    @Override public void resume(TopicPartition... partitions) { }
    @Override public void requestCommit() { }
    @Override public PluginMetrics pluginMetrics() { return null; }
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
