package dev.addp.processors.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.avro.CancelCommand;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.Task;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.testkit.InMemoryRegistry;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.registry.SchemaRegistryClient;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import javax.imageio.ImageIO;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The ingest topology without a broker: the real Avro serdes and registry client against an
 * in-memory registry. Each bad input reaches the dead-letter topic with its own reason, its
 * original coordinates and bytes; a valid request goes on with its image info; an unreachable
 * registry is never a reason.
 */
class IngestTopologyTest {
  @TempDir Path roots;
  private InMemoryRegistry registry;
  private AvroSerdes serdes;
  private Topics topics;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> raw;
  private TestOutputTopic<byte[], ImageRequest> accepted;
  private TestOutputTopic<byte[], DeadLetter> dead;

  @BeforeEach
  void start() throws IOException {
    registry = new InMemoryRegistry();
    AddpConfig config = AddpConfig.of(Map.of(AddpConfig.REGISTRY_URL, registry.url(), AddpConfig.BOOTSTRAP_SERVERS, "unused:9092",
        "image.max.bytes", "100000", "image.max.pixels", "1000000", "image.max.side", "2000",
        "image.uri.roots", roots.toString(), AddpConfig.WORKER_ID, "ingest-test"));
    serdes = AvroSerdes.from(config);
    topics = Topics.from(config);
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "ingest-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    driver = new TopologyTestDriver(IngestTopology.build(config, serdes), props);
    raw = driver.createInputTopic(topics.imagesRaw(), Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
    accepted = driver.createOutputTopic(topics.recognitionRequests(), Serdes.ByteArray().deserializer(), serdes.imageRequest());
    dead = driver.createOutputTopic(topics.deadLetters(), Serdes.ByteArray().deserializer(), serdes.deadLetter());
  }

  @AfterEach
  void stop() {
    driver.close();
    registry.close();
  }

  @Test
  void aValidRequestGoesOnWithItsImageInfo() throws IOException {
    byte[] png = encode("png", 28, 20);
    send("ok-1", request("ok-1", png));
    TestRecord<byte[], ImageRequest> out = accepted.readRecord();
    assertThat(new String(out.key(), StandardCharsets.UTF_8)).isEqualTo("ok-1");
    ImageRequest r = out.value();
    assertThat(r.getRequestId()).isEqualTo("ok-1");
    assertThat(r.getInfo().getFormat()).isEqualTo("png");
    assertThat(r.getInfo().getWidth()).isEqualTo(28);
    assertThat(r.getInfo().getHeight()).isEqualTo(20);
    assertThat(r.getInfo().getBytes()).isEqualTo(png.length);
    assertThat(bytes(r.getImageBytes())).isEqualTo(png);
    assertThat(accepted.isEmpty()).isTrue();
    assertThat(dead.isEmpty()).isTrue();
  }

  @Test
  void anImageUnderAnAllowedRootIsReadAndSentInline() throws IOException {
    byte[] jpeg = encode("jpeg", 40, 30);
    Path file = Files.write(roots.resolve("shoe.jpg"), jpeg);
    ImageRequest r = request("by-uri", null);
    r.setImageUri(file.toUri().toString());
    send("by-uri", r);
    ImageRequest out = accepted.readValue();
    assertThat(out.getInfo().getFormat()).isEqualTo("jpeg");
    assertThat(bytes(out.getImageBytes())).isEqualTo(jpeg);
    assertThat(dead.isEmpty()).isTrue();
  }

  @Test
  void everyBadImageHasItsOwnReason() throws IOException {
    byte[] png = encode("png", 28, 28);
    expectDead("empty", request("empty", new byte[0]), ErrorType.EMPTY_IMAGE);
    expectDead("text", request("text", "hello, not an image".getBytes(StandardCharsets.UTF_8)), ErrorType.UNKNOWN_FORMAT);
    expectDead("psd", request("psd", "8BPS\0\1\0\0\0\0\0\0\0\3".getBytes(StandardCharsets.ISO_8859_1)), ErrorType.UNSUPPORTED_FORMAT);
    expectDead("pdf", request("pdf", "%PDF-1.7 1 0 obj".getBytes(StandardCharsets.US_ASCII)), ErrorType.UNSUPPORTED_FORMAT);
    expectDead("cut", request("cut", Arrays.copyOf(png, png.length - 10)), ErrorType.TRUNCATED_IMAGE);
    expectDead("wide", request("wide", encode("png", 2001, 1)), ErrorType.TOO_MANY_PIXELS);
    byte[] big = Arrays.copyOf(png, 100_001);
    expectDead("big", request("big", big), ErrorType.IMAGE_TOO_LARGE);
    assertThat(accepted.isEmpty()).as("nothing bad passes").isTrue();
  }

  @Test
  void everyBadRequestHasItsOwnReason() throws IOException {
    byte[] png = encode("png", 28, 28);
    ImageRequest topK = request("top-k", png);
    topK.setTopK(0);
    expectDead("top-k", topK, ErrorType.INVALID_REQUEST);
    ImageRequest noTasks = request("no-tasks", png);
    noTasks.setTasks(List.of());
    expectDead("no-tasks", noTasks, ErrorType.INVALID_REQUEST);
    ImageRequest both = request("both", png);
    both.setImageUri(roots.resolve("x.png").toUri().toString());
    expectDead("both", both, ErrorType.INVALID_REQUEST);
    expectDead("neither", request("neither", null), ErrorType.INVALID_REQUEST);
    expectDead("blank-id", request(" ", png), ErrorType.INVALID_REQUEST);
    ImageRequest outside = request("outside", null);
    outside.setImageUri("file:///etc/passwd");
    expectDead("outside", outside, ErrorType.IMAGE_URI_UNREADABLE);
    ImageRequest dotdot = request("dotdot", null);
    dotdot.setImageUri(roots.toUri() + "../../etc/passwd");
    expectDead("dotdot", dotdot, ErrorType.IMAGE_URI_UNREADABLE);
    ImageRequest missing = request("missing", null);
    missing.setImageUri(roots.resolve("missing.png").toUri().toString());
    expectDead("missing", missing, ErrorType.IMAGE_URI_UNREADABLE);
    ImageRequest http = request("http", null);
    http.setImageUri("http://example.com/a.png");
    expectDead("http", http, ErrorType.IMAGE_URI_UNREADABLE);
    assertThat(accepted.isEmpty()).isTrue();
  }

  @Test
  void bytesThatAreNotARequestAreDeadLetteredWithTheirOriginalBytes() {
    String topic = topics.imagesRaw();
    byte[] json = "{\"request_id\":\"x\"}".getBytes(StandardCharsets.UTF_8);
    raw.pipeInput("json".getBytes(StandardCharsets.UTF_8), json);
    DeadLetter d = dead.readValue();
    assertThat(d.getErrorType()).isEqualTo(ErrorType.NOT_WIRE_FORMAT);
    assertThat(bytes(d.getOriginalValue())).isEqualTo(json);
    assertThat(d.getRequestId()).as("unreadable: the request is named by its key").isEqualTo("json");

    raw.pipeInput("short".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 1});
    assertThat(dead.readValue().getErrorType()).isEqualTo(ErrorType.NOT_WIRE_FORMAT);
    raw.pipeInput("tombstone".getBytes(StandardCharsets.UTF_8), (byte[]) null);
    assertThat(dead.readValue().getErrorType()).isEqualTo(ErrorType.NOT_WIRE_FORMAT);

    raw.pipeInput("unknown-id".getBytes(StandardCharsets.UTF_8), new byte[] {0, 0, 0, 0x7F, (byte) 0xFF, 2, 4, 6});
    assertThat(dead.readValue().getErrorType()).isEqualTo(ErrorType.UNKNOWN_SCHEMA_ID);

    // a registered schema of another type, and an ImageRequest id followed by bytes that do not decode
    raw.pipeInput("cancel".getBytes(StandardCharsets.UTF_8), serdes.cancelCommand().serialize(topic, new CancelCommand("job-1", null, 1L)));
    assertThat(dead.readValue().getErrorType()).isEqualTo(ErrorType.SCHEMA_MISMATCH);
    byte[] valid = serdes.imageRequest().serialize(topic, request("garbled", new byte[] {1}));
    byte[] garbled = Arrays.copyOf(valid, 5 + 3);
    Arrays.fill(garbled, 5, 8, (byte) 0xFF);
    raw.pipeInput("garbled".getBytes(StandardCharsets.UTF_8), garbled);
    assertThat(dead.readValue().getErrorType()).isEqualTo(ErrorType.SCHEMA_MISMATCH);
    assertThat(accepted.isEmpty()).isTrue();
    assertThat(dead.isEmpty()).isTrue();
  }

  @Test
  void aDeadLetterNamesItsStageSourceAndRequest() throws IOException {
    raw.pipeInput("ok".getBytes(StandardCharsets.UTF_8), serdes.imageRequest().serialize(topics.imagesRaw(), request("ok", encode("png", 4, 4))));
    byte[] value = serdes.imageRequest().serialize(topics.imagesRaw(), request("bad", new byte[0]));
    raw.pipeInput(new TestRecord<>("bad".getBytes(StandardCharsets.UTF_8), value, null, 1234L));
    DeadLetter d = dead.readValue();
    assertThat(d.getStage()).isEqualTo("ingest");
    assertThat(d.getWorkerId()).isEqualTo("ingest-test");
    assertThat(d.getRequestId()).isEqualTo("bad");
    assertThat(d.getSource().getTopic()).isEqualTo(topics.imagesRaw());
    assertThat(d.getSource().getOffset()).isEqualTo(1);
    assertThat(d.getSource().getTimestampMs()).isEqualTo(1234L);
    assertThat(new String(bytes(d.getSource().getKey()), StandardCharsets.UTF_8)).isEqualTo("bad");
    assertThat(bytes(d.getOriginalValue())).isEqualTo(value);
    assertThat(d.getMessage()).isNotBlank();
    assertThat(accepted.readValue().getRequestId()).isEqualTo("ok");
  }

  @Test
  void anUnreachableRegistryIsNotAReasonTheRecordFailsAndIsRetried() throws IOException {
    // the topology has written both its outputs once, so it knows their ids and needs the registry
    // only for what follows: a request from a newer producer, under a schema id it has not seen
    send("ok", request("ok", encode("png", 4, 4)));
    send("bad", request("bad", new byte[0]));
    assertThat(accepted.readValue().getRequestId()).isEqualTo("ok");
    assertThat(dead.readValue().getErrorType()).isEqualTo(ErrorType.EMPTY_IMAGE);
    byte[] value = fromANewerProducer(request("later", encode("png", 4, 4)));

    registry.setDown(true);
    assertThatThrownBy(() -> raw.pipeInput("later".getBytes(StandardCharsets.UTF_8), value))
        .hasRootCauseInstanceOf(RegistryUnavailableException.class);
    assertThat(dead.isEmpty()).as("no dead letter for a registry outage").isTrue();
    assertThat(accepted.isEmpty()).isTrue();
    registry.setDown(false);
    raw.pipeInput("later".getBytes(StandardCharsets.UTF_8), value); // what Streams does after the task restarts
    assertThat(accepted.readValue().getRequestId()).isEqualTo("later");
    assertThat(dead.isEmpty()).isTrue();
  }

  /**
   * The request in the wire format of a producer whose ImageRequest schema has one more field at
   * the end (BACKWARD compatible, so its own registry id): the same Avro body plus that field.
   */
  private byte[] fromANewerProducer(ImageRequest request) {
    Schema current = ImageRequest.getClassSchema();
    List<Schema.Field> fields = new java.util.ArrayList<>();
    for (Schema.Field f : current.getFields()) fields.add(new Schema.Field(f, f.schema()));
    fields.add(new Schema.Field("added_later", Schema.create(Schema.Type.INT), "a field this reader does not know", 0));
    Schema newer = Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
    int id = new SchemaRegistryClient(registry.url()).register(topics.imagesRaw() + "-value", newer);
    byte[] known = serdes.imageRequest().serialize(topics.imagesRaw(), request);
    ByteBuffer out = ByteBuffer.allocate(known.length + 1);
    out.put((byte) 0).putInt(id).put(known, 5, known.length - 5).put((byte) 0); // int 0, zig-zag encoded
    return out.array();
  }

  @ParameterizedTest
  @EnumSource(value = Task.class)
  void everyTaskIsAcceptedForValidation(Task task) throws IOException {
    ImageRequest r = request("task-" + task, encode("gif", 5, 5));
    r.setTasks(List.of(task));
    send("task-" + task, r);
    assertThat(accepted.readValue().getTasks()).containsExactly(task);
  }

  private void expectDead(String key, ImageRequest request, ErrorType type) {
    send(key, request);
    DeadLetter d = dead.readValue();
    assertThat(d.getErrorType()).as(key + ": " + d.getMessage()).isEqualTo(type);
    assertThat(new String(bytes(d.getSource().getKey()), StandardCharsets.UTF_8)).isEqualTo(key);
  }

  private void send(String key, ImageRequest request) {
    raw.pipeInput(key.getBytes(StandardCharsets.UTF_8), serdes.imageRequest().serialize(topics.imagesRaw(), request));
  }

  private static ImageRequest request(String id, byte[] image) {
    return ImageRequest.newBuilder().setRequestId(id).setImageBytes(image == null ? null : ByteBuffer.wrap(image)).build();
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static byte[] encode(String format, int w, int h) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    img.setRGB(0, 0, 0x804020);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(img, format, out)).isTrue();
    return out.toByteArray();
  }

  @Test
  void namesThatWouldEscapeAFolderOrBreakAnExportAreInvalidRequests() throws IOException {
    byte[] png = encode("png", 8, 8);
    java.util.Map<String, String> datasets = new java.util.LinkedHashMap<>();
    datasets.put("dot-dot", "..");
    datasets.put("nul", "a\0b");
    datasets.put("long", "d".repeat(300));
    datasets.put("slash", "a/b");
    for (var e : datasets.entrySet()) {
      ImageRequest r = ImageRequest.newBuilder().setRequestId("ds-" + e.getKey()).setDataset(e.getValue())
          .setImageBytes(ByteBuffer.wrap(png)).build();
      raw.pipeInput(r.getRequestId().getBytes(StandardCharsets.UTF_8), serdes.imageRequest().serialize(topics.imagesRaw(), r));
    }
    ImageRequest nulId = ImageRequest.newBuilder().setRequestId("x\0y").setImageBytes(ByteBuffer.wrap(png)).build();
    raw.pipeInput("nul-id".getBytes(StandardCharsets.UTF_8), serdes.imageRequest().serialize(topics.imagesRaw(), nulId));
    List<DeadLetter> letters = dead.readValuesToList();
    assertThat(letters).hasSize(5).allSatisfy(d -> assertThat(d.getErrorType()).isEqualTo(ErrorType.INVALID_REQUEST));
    assertThat(letters.get(0).getMessage()).contains("must start with");
    assertThat(letters.get(1).getMessage()).contains("U+0000");
    assertThat(letters.get(2).getMessage()).contains("300 characters");
    assertThat(letters.get(3).getMessage()).contains("U+002F");
    assertThat(letters.get(4).getMessage()).contains("request_id holds the control character U+0000");
    assertThat(accepted.isEmpty()).isTrue();
  }
}
