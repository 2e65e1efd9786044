package dev.addp.systemtest.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.Task;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.schemas.wire.AvroWireSerde;
import dev.addp.schemas.wire.WireFormatException;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

/**
 * Our Confluent wire-format serde against the real registry, cross-checked with an independent
 * implementation (Apicurio's serde 3.1.7, which talks to the same server through Apicurio's own API).
 */
class SchemaRegistryIT {
  private final String ccompat = SharedEmbeddedStack.get().registry().ccompatUrl();
  private final SchemaRegistryClient registry = new SchemaRegistryClient(ccompat);
  private final AvroWireSerde<ImageRequest> ours = AvroWireSerde.of(registry, ImageRequest.class);

  private static ImageRequest sample(String id) {
    return ImageRequest.newBuilder().setRequestId(id).setDataset("registry-test")
        .setImageBytes(ByteBuffer.wrap(new byte[] {1, 2, 3})).setTasks(List.of(Task.CLASSIFY)).setTopK(3)
        .setSubmittedAtMs(1_700_000_000_000L).setAttributes(Map.of("a", "b")).build();
  }

  @Test
  void roundTripsThroughTheRegistryWithConfluentFraming() {
    String topic = "rt-" + UUID.randomUUID();
    byte[] bytes = ours.serialize(topic, sample("r1"));
    assertThat(bytes[0]).isEqualTo((byte) 0);
    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    assertThat(registry.schemaById(id)).isEqualTo(ours.schema());
    assertThat(ours.deserialize(topic, bytes)).isEqualTo(sample("r1"));
  }

  /**
   * Apicurio's serde registers through Apicurio's own API, where the 2.6 server stores the schema
   * text as new content with its own id; so the frames are compared field by field: the same magic
   * byte, two ids that name the same schema in the registry, and byte-identical Avro bodies.
   */
  @Test
  void framingMatchesApicurioSerdeAndEachReadsTheOther() {
    String topic = "xcheck-" + UUID.randomUUID();
    String nativeApi = ccompat.replace("/apis/ccompat/v7", "/apis/registry/v2");
    try (AvroKafkaSerializer<ImageRequest> theirSer = new AvroKafkaSerializer<>();
         AvroKafkaDeserializer<GenericRecord> theirDe = new AvroKafkaDeserializer<>()) {
      Map<String, Object> cfg = Map.of("apicurio.registry.url", nativeApi, "apicurio.registry.auto-register", "true");
      theirSer.configure(cfg, false);
      theirDe.configure(cfg, false);
      byte[] ourBytes = ours.serialize(topic, sample("x1"));
      byte[] theirBytes = theirSer.serialize(topic, sample("x1"));
      assertThat(theirBytes[0]).isEqualTo(ourBytes[0]).isEqualTo((byte) 0);
      assertThat(registry.schemaById(ByteBuffer.wrap(theirBytes, 1, 4).getInt()))
          .isEqualTo(registry.schemaById(ByteBuffer.wrap(ourBytes, 1, 4).getInt()));
      assertThat(Arrays.copyOfRange(theirBytes, 5, theirBytes.length)).isEqualTo(Arrays.copyOfRange(ourBytes, 5, ourBytes.length));
      assertThat(ours.deserialize(topic, theirBytes)).isEqualTo(sample("x1"));
      assertThat(theirDe.deserialize(topic, ourBytes).get("request_id").toString()).isEqualTo("x1");
    }
  }

  @Test
  void unknownSchemaIdIsATypedError() {
    byte[] bytes = {0, 0x7F, 0, 0, 1, 2};
    assertThatThrownBy(() -> ours.deserialize("t", bytes)).isInstanceOf(WireFormatException.class)
        .satisfies(e -> assertThat(((WireFormatException) e).type()).isEqualTo(ErrorType.UNKNOWN_SCHEMA_ID));
  }

  @Test
  void unreachableRegistryIsAClearErrorNotABadRecord() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    SchemaRegistryClient down = new SchemaRegistryClient("http://127.0.0.1:" + closedPort);
    AvroWireSerde<ImageRequest> serde = AvroWireSerde.of(down, ImageRequest.class);
    assertThatThrownBy(() -> serde.deserialize("t", new byte[] {0, 0, 0, 0, 9, 1}))
        .isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("127.0.0.1:" + closedPort).hasMessageContaining("unreachable");
    assertThatThrownBy(() -> serde.serialize("t", sample("d1"))).isInstanceOf(RegistryUnavailableException.class);
  }
}
