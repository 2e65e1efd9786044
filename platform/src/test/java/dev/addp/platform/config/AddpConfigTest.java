package dev.addp.platform.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AddpConfigTest {
  @Test
  void fileThenEnvironmentThenOverrides(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("addp.properties");
    Files.writeString(file, "bootstrap.servers=file:9092\nregistry.url=http://file\nkafka.security.protocol=SASL_SSL\n"
        + "kafka.sasl.jaas.config=secret-stuff\n");
    AddpConfig c = AddpConfig.load(file, Map.of("ADDP_REGISTRY_URL", "http://env", "PATH", "/bin"),
        Map.of("registry.url", "http://cli"));
    assertThat(c.require(AddpConfig.BOOTSTRAP_SERVERS)).isEqualTo("file:9092");
    assertThat(c.require(AddpConfig.REGISTRY_URL)).isEqualTo("http://cli");
    assertThat(AddpConfig.load(file, Map.of("ADDP_REGISTRY_URL", "http://env"), Map.of()).require(AddpConfig.REGISTRY_URL))
        .isEqualTo("http://env");
    assertThat(c.kafkaPassThrough()).containsEntry("security.protocol", "SASL_SSL").containsKey("sasl.jaas.config");
    assertThat(c.toString()).doesNotContain("secret-stuff");
  }

  @Test
  void missingAndMalformedSettingsAreClearErrors() {
    AddpConfig c = AddpConfig.of(Map.of("topic.partitions", "many"));
    assertThatThrownBy(() -> c.require("bootstrap.servers")).hasMessageContaining("ADDP_BOOTSTRAP_SERVERS");
    assertThatThrownBy(() -> c.getInt("topic.partitions", 1)).hasMessageContaining("many");
  }
}
