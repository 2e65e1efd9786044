package dev.addp.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the registry launcher looks for its distribution: the caller's folder, unless overridden. */
class EmbeddedSchemaRegistryTest {
  @TempDir Path dir;

  @BeforeEach
  void noOverrideFromTheEnvironment() {
    assumeTrue(System.getenv(EmbeddedSchemaRegistry.HOME_ENV) == null, "ADDP_REGISTRY_HOME is set in this environment");
    System.clearProperty(EmbeddedSchemaRegistry.HOME_PROPERTY);
  }

  @AfterEach
  void clearOverride() { System.clearProperty(EmbeddedSchemaRegistry.HOME_PROPERTY); }

  @Test
  void usesTheCallersDistribution() {
    assertThat(EmbeddedSchemaRegistry.locateDistribution(dir)).isEqualTo(dir);
  }

  @Test
  void aMissingDistributionFailsWithOneLineNamingTheFolder() {
    Path missing = dir.resolve("apicurio-registry");

    assertThatThrownBy(() -> EmbeddedSchemaRegistry.locateDistribution(missing))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not found at " + missing.toAbsolutePath())
        .hasMessageContaining("ADDP_REGISTRY_HOME")
        .hasMessageNotContaining("\n");
  }

  @Test
  void thePropertyOverridesTheCallersDistribution() throws Exception {
    Path other = Files.createDirectory(dir.resolve("other"));
    System.setProperty(EmbeddedSchemaRegistry.HOME_PROPERTY, other.toString());

    assertThat(EmbeddedSchemaRegistry.locateDistribution(dir.resolve("absent"))).isEqualTo(other);
  }

  @Test
  void aMissingOverrideFailsNamingTheOverride() {
    Path missing = dir.resolve("nowhere");
    System.setProperty(EmbeddedSchemaRegistry.HOME_PROPERTY, missing.toString());

    assertThatThrownBy(() -> EmbeddedSchemaRegistry.locateDistribution(dir))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(missing.toAbsolutePath() + " (from ADDP_REGISTRY_HOME / -Daddp.registry.home) does not exist")
        .hasMessageNotContaining("\n");
  }
}
