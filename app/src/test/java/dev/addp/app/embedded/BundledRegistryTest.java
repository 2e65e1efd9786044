package dev.addp.app.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class BundledRegistryTest {
  @Test
  void isTheDistributionTheBuildUnpacksBesideTheAppClasses() throws IOException {
    Path location = BundledRegistry.location();

    assertThat(location).isAbsolute().endsWith(Path.of("app", "target", "apicurio-registry"));
    // generate-resources unpacked it before the tests run; the launcher jar is what the registry starts
    assertThat(Files.isDirectory(location)).as("%s is a directory", location).isTrue();
    try (Stream<Path> files = Files.list(location)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .as("launcher jar in %s", location).anyMatch(n -> n.endsWith("-runner.jar") || n.equals("quarkus-run.jar"));
    }
  }
}
