package dev.addp.processors.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.JobState;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.testkit.InMemoryRegistry;
import dev.addp.processors.status.JobStatusTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The status application (job-status table and dataset progress) with the deserialization handler
 * installed: junk on each of its input topics becomes a typed dead letter and a counted metric, the
 * tables keep serving the records that follow; an unreachable registry fails the record instead.
 */
class DeadLetterOnUnreadableTest {
  private InMemoryRegistry registry;
  private AvroSerdes serdes;
  private Topics topics;
  private TopologyTestDriver driver;
  private SimpleMeterRegistry meters;

  @BeforeEach
  void start() throws IOException {
    registry = new InMemoryRegistry();
    AddpConfig config = AddpConfig.of(Map.of(AddpConfig.REGISTRY_URL, registry.url(), AddpConfig.BOOTSTRAP_SERVERS, "unused:9092"));
    serdes = AvroSerdes.from(config);
    topics = Topics.from(config);
    meters = new SimpleMeterRegistry();
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "status-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.putAll(DeadLetterOnUnreadable.settings(config, "status-test", serdes, meters));
    driver = new TopologyTestDriver(JobStatusTopology.build(config, serdes), props);
  }

  @AfterEach
  void stop() {
    driver.close();
    registry.close();
  }

  private TestInputTopic<byte[], byte[]> raw(String topic) {
    return driver.createInputTopic(topic, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
  }

  @Test
  void junkOnEveryInputTopicIsDeadLetteredAndTheTablesGoOn() {
    TestOutputTopic<byte[], DeadLetter> dead = driver.createOutputTopic(topics.deadLetters(), Serdes.ByteArray().deserializer(),
        serdes.deadLetter());
    byte[] junk = "not avro at all".getBytes(StandardCharsets.UTF_8);
    // a valid header (magic 0, a registered id) followed by a string claiming 2^31 bytes
    byte[] event = serdes.generationEvent().serialize(topics.generationEvents(), GenerationEvent.newBuilder().setJobId("j")
        .setState(JobState.QUEUED).setTimestampMs(1).build());
    byte[] bomb = ByteBuffer.allocate(10).put(event, 0, 5).put(new byte[] {(byte) 0xFE, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F})
        .array();
    List<String> inputs = List.of(topics.generationEvents(), topics.datasets(), topics.recognitionResults(), topics.deadLetters());
    for (String topic : inputs) raw(topic).pipeInput("k".getBytes(StandardCharsets.UTF_8), junk);
    raw(topics.generationEvents()).pipeInput("j".getBytes(StandardCharsets.UTF_8), bomb);

    List<DeadLetter> letters = dead.readValuesToList();
    assertThat(letters).extracting(d -> d.getSource().getTopic())
        .containsExactly(topics.generationEvents(), topics.datasets(), topics.recognitionResults(), topics.deadLetters(),
            topics.generationEvents());
    assertThat(letters).allSatisfy(d -> {
      assertThat(d.getStage()).isEqualTo("status-test");
      assertThat(d.getErrorClass()).isEqualTo("dev.addp.schemas.wire.WireFormatException");
    });
    assertThat(letters.subList(0, 4)).extracting(DeadLetter::getErrorType).containsOnly(ErrorType.NOT_WIRE_FORMAT);
    assertThat(letters.get(4).getErrorType()).isEqualTo(ErrorType.SCHEMA_MISMATCH);
    assertThat(letters.get(4).getMessage()).contains("claims");
    assertThat(letters.get(0).getOriginalValue()).isEqualTo(ByteBuffer.wrap(junk));
    assertThat(meters.get("addp.streams.dead.letters").tag("reason", "NOT_WIRE_FORMAT").counter().count()).isEqualTo(4.0);

    // the table still serves: a valid event after the junk lands in the store
    raw(topics.generationEvents()).pipeInput("j".getBytes(StandardCharsets.UTF_8), event);
    KeyValueStore<String, GenerationEvent> store = driver.getKeyValueStore(JobStatusTopology.STORE);
    assertThat(store.get("j").getState()).isEqualTo(JobState.QUEUED);
  }

  @Test
  void anUnreachableRegistryFailsTheRecordInsteadOfDeadLetteringIt() {
    byte[] event = serdes.generationEvent().serialize(topics.generationEvents(), GenerationEvent.newBuilder().setJobId("j")
        .setState(JobState.QUEUED).setTimestampMs(1).build());
    // an id this client has not read yet, so reading it needs the registry
    byte[] unknownId = event.clone();
    unknownId[4] = (byte) (unknownId[4] + 40);
    registry.setDown(true);
    assertThatThrownBy(() -> raw(topics.generationEvents()).pipeInput("j".getBytes(StandardCharsets.UTF_8), unknownId))
        .hasStackTraceContaining("RegistryUnavailableException");
    TestOutputTopic<byte[], byte[]> dead = driver.createOutputTopic(topics.deadLetters(), Serdes.ByteArray().deserializer(),
        Serdes.ByteArray().deserializer());
    assertThat(dead.isEmpty()).isTrue();
  }

  @Test
  void moreThanTheLimitOfReplacementsWithinTheWindowIsNotLive() {
    AtomicLong now = new AtomicLong();
    ReplacementWindow w = new ReplacementWindow(3, Duration.ofSeconds(60), now::get);
    for (int i = 0; i < 3; i++) w.record();
    assertThat(w.exceeded()).isFalse();
    w.record();
    assertThat(w.exceeded()).isTrue();
    now.addAndGet(Duration.ofSeconds(61).toNanos());
    assertThat(w.exceeded()).isFalse();
    w.record();
    assertThat(w.exceeded()).isFalse();
  }
}
