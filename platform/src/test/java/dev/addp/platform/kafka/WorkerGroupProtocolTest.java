package dev.addp.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.platform.config.AddpConfig;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.Test;

/** The workers' consumer settings are valid for both group protocols (the client refuses classic-only settings with the new one). */
class WorkerGroupProtocolTest {
  private static KafkaConsumer<byte[], byte[]> consumer(String protocol) {
    AddpConfig config = AddpConfig.of(protocol == null ? Map.of(AddpConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9")
        : Map.of(AddpConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9", KafkaClients.WORKER_GROUP_PROTOCOL, protocol));
    return new KafkaClients(config).transactionalInputConsumer("g", "c", 10);
  }

  @Test
  void classicIsTheDefaultAndConsumerIsAccepted() {
    try (KafkaConsumer<byte[], byte[]> classic = consumer(null); KafkaConsumer<byte[], byte[]> kip848 = consumer("consumer")) {
      assertThat(classic.groupMetadata().groupId()).isEqualTo("g");
      assertThat(kip848.groupMetadata().groupId()).isEqualTo("g");
    }
  }

  @Test
  void anUnknownProtocolNamesTheSetting() {
    assertThatThrownBy(() -> consumer("streams")).hasMessageContaining(KafkaClients.WORKER_GROUP_PROTOCOL).hasMessageContaining("classic or consumer");
  }
}
