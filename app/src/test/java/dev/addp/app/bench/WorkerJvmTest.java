package dev.addp.app.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.platform.config.AddpConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The bench's child JVM gets its settings from a private file: no login on its command line, where any user can read it. */
class WorkerJvmTest {
  @Test
  void noSettingReachesTheChildsCommandLine() throws Exception {
    AddpConfig config = AddpConfig.of(Map.of(AddpConfig.BOOTSTRAP_SERVERS, "127.0.0.1:1", AddpConfig.REGISTRY_URL, "http://127.0.0.1:1",
        "kafka.sasl.jaas.config", "ScramLoginModule required username=\"bench\" password=\"jaas-secret-in-test\";",
        "registry.basic.auth.user.info", "bench:registry-secret-in-test"));
    try (WorkerJvm child = WorkerJvm.start("recognition", config, "64m")) {
      String line = child.commandLine();
      assertThat(line).contains("dev.addp.app.cli.AddpCli").contains(" -c ");
      assertThat(line).doesNotContain("jaas-secret-in-test").doesNotContain("registry-secret-in-test").doesNotContain("-Dkafka.");
      child.kill();
    }
  }
}
