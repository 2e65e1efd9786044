package dev.addp.processors.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.Classification;
import dev.addp.avro.DatasetManifest;
import dev.addp.avro.DatasetProgress;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageInfo;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.ModelRef;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.RecognitionTimings;
import dev.addp.avro.SourceCoordinates;
import dev.addp.platform.kafka.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DatasetProgressTopologyTest {
  private final Topics topics = new Topics("t.");
  private final DatasetSerdes serdes = new DatasetSerdes(PlainAvroSerde.of(DatasetManifest.class), PlainAvroSerde.of(RecognitionResult.class),
      PlainAvroSerde.of(DeadLetter.class), PlainAvroSerde.of(ImageRequest.class), PlainAvroSerde.of(DatasetProgress.class));
  private TopologyTestDriver driver;
  private TestInputTopic<String, DatasetManifest> manifests;
  private TestInputTopic<byte[], RecognitionResult> results;
  private TestInputTopic<byte[], DeadLetter> deadLetters;
  private TestOutputTopic<String, DatasetProgress> progress;
  private TestOutputTopic<String, DatasetProgress> completions;

  @BeforeEach
  void start() throws Exception {
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "progress-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("progress-test").toString());
    driver = new TopologyTestDriver(DatasetProgressTopology.build(topics, serdes), p);
    manifests = driver.createInputTopic(topics.datasets(), Serdes.String().serializer(), serdes.manifest().serializer());
    results = driver.createInputTopic(topics.recognitionResults(), Serdes.ByteArray().serializer(), serdes.result().serializer());
    deadLetters = driver.createInputTopic(topics.deadLetters(), Serdes.ByteArray().serializer(), serdes.deadLetter().serializer());
    progress = driver.createOutputTopic(topics.datasetProgress(), Serdes.String().deserializer(), serdes.progress().deserializer());
    completions = driver.createOutputTopic(topics.datasetCompletions(), Serdes.String().deserializer(), serdes.progress().deserializer());
  }

  @AfterEach
  void stop() { driver.close(); }

  @Test
  void countsEachImageOnceAndCompletesWhenEveryImageIsAccountedFor() {
    manifests.pipeInput("photos", manifest("photos", 4));
    results.pipeInput(key("photos/a.jpg"), result("photos", "photos/a.jpg"));
    results.pipeInput(key("photos/a.jpg"), result("photos", "photos/a.jpg")); // a duplicate changes nothing
    deadLetters.pipeInput(key("photos/b.png"), deadLetter("photos/b.png", ErrorType.TRUNCATED_IMAGE, request("photos", "photos/b.png")));
    deadLetters.pipeInput(key("photos/c.png"), deadLetter("photos/c.png", ErrorType.NOT_WIRE_FORMAT, null)); // dataset from the id
    results.pipeInput(key("other/x.jpg"), result("other", "other/x.jpg"));
    assertThat(completions.isEmpty()).isTrue();
    results.pipeInput(key("photos/d.jpg"), result("photos", "photos/d.jpg"));

    Map<String, DatasetProgress> latest = progress.readKeyValuesToMap();
    DatasetProgress p = latest.get("photos");
    assertThat(p.getTotal()).isEqualTo(4);
    assertThat(p.getAnnotated()).isEqualTo(2);
    assertThat(p.getDeadLettered()).isEqualTo(2);
    assertThat(p.getDeadLetteredByReason()).containsExactlyInAnyOrderEntriesOf(Map.of("TRUNCATED_IMAGE", 1L, "NOT_WIRE_FORMAT", 1L));
    assertThat(p.getComplete()).isTrue();
    assertThat(latest.get("other").getAnnotated()).isEqualTo(1);
    assertThat(latest.get("other").getComplete()).as("no manifest, no total: never complete").isFalse();

    List<DatasetProgress> done = completions.readValuesToList();
    assertThat(done).hasSize(1);
    assertThat(done.get(0).getDataset()).isEqualTo("photos");
    assertThat(done.get(0).getCompletedAtMs()).isNotNull();

    // a rerun writes the manifest again and resends nothing new: no second completion
    manifests.pipeInput("photos", manifest("photos", 4));
    results.pipeInput(key("photos/d.jpg"), result("photos", "photos/d.jpg"));
    assertThat(completions.isEmpty()).isTrue();
    KeyValueStore<String, DatasetProgress> store = driver.getKeyValueStore(DatasetProgressTopology.PROGRESS_STORE);
    assertThat(store.get("photos").getAnnotated()).isEqualTo(2);
  }

  @Test
  void aResultAfterADeadLetterMovesTheImageToAnnotated() {
    manifests.pipeInput("ds", manifest("ds", 1));
    deadLetters.pipeInput(key("ds/a"), deadLetter("ds/a", ErrorType.INTERNAL, null));
    results.pipeInput(key("ds/a"), result("ds", "ds/a"));
    DatasetProgress p = driver.<String, DatasetProgress>getKeyValueStore(DatasetProgressTopology.PROGRESS_STORE).get("ds");
    assertThat(p.getAnnotated()).isEqualTo(1);
    assertThat(p.getDeadLettered()).isZero();
    assertThat(p.getDeadLetteredByReason()).isEmpty();
    assertThat(completions.readValuesToList()).hasSize(1);
  }

  @Test
  void deadLettersOfOtherStagesOrWithoutARequestIdAreNotCounted() {
    manifests.pipeInput("ds", manifest("ds", 1));
    DeadLetter generation = deadLetter("ds/job", ErrorType.INVALID_REQUEST, null);
    generation.getSource().setTopic(topics.generationRequests());
    deadLetters.pipeInput(key("ds/job"), generation);
    deadLetters.pipeInput((byte[]) null, deadLetter(null, ErrorType.NOT_WIRE_FORMAT, null));
    DatasetProgress p = driver.<String, DatasetProgress>getKeyValueStore(DatasetProgressTopology.PROGRESS_STORE).get("ds");
    assertThat(p.getDeadLettered()).isZero();
    assertThat(p.getComplete()).isFalse();
  }

  private static byte[] key(String id) { return id.getBytes(StandardCharsets.UTF_8); }

  private static DatasetManifest manifest(String dataset, int total) {
    return DatasetManifest.newBuilder().setDataset(dataset).setTotal(total).setSubmittedAtMs(1L).build();
  }

  private static ImageRequest request(String dataset, String id) {
    return ImageRequest.newBuilder().setRequestId(id).setDataset(dataset).setImageBytes(ByteBuffer.wrap(new byte[] {1})).build();
  }

  static RecognitionResult result(String dataset, String id) {
    return RecognitionResult.newBuilder().setRequestId(id).setDataset(dataset).setModel(new ModelRef("m", "1", "abc"))
        .setImage(new ImageInfo("png", 28, 28, 100L)).setClassifications(List.of(new Classification(1, "Trouser", 0.9f)))
        .setTimings(new RecognitionTimings(0.0, 0.0, 0.0, 1)).setWorkerId("w").setProducedAtMs(2L).build();
  }

  private DeadLetter deadLetter(String id, ErrorType type, ImageRequest original) {
    byte[] value = original == null ? new byte[] {9, 9} : serdes.request().serializer().serialize("", original);
    return DeadLetter.newBuilder().setStage("ingest").setErrorType(type).setErrorClass("x").setMessage("m")
        .setSource(new SourceCoordinates(topics.imagesRaw(), 0, 1L, 1L, null)).setRequestId(id).setWorkerId("w")
        .setFailedAtMs(3L).setOriginalValue(ByteBuffer.wrap(value)).setOriginalSize((long) value.length).build();
  }
}
