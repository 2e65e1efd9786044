package dev.addp.systemtest.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.avro.CancelCommand;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.schemas.registry.SchemaRegistryException;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every record type evolves BACKWARD-compatibly from its last released version, as the real registry judges it. */
class SchemaEvolutionIT {
  private static final Path RELEASED = Path.of("schemas/released");

  static List<Class<?>> recordTypes() {
    return List.of(ImageRequest.class, RecognitionResult.class, DeadLetter.class, GenerationRequest.class,
        GenerationEvent.class, GenerationResult.class, CancelCommand.class);
  }

  private final SchemaRegistryClient registry = new SchemaRegistryClient(SharedEmbeddedStack.get().registry().ccompatUrl());

  @ParameterizedTest
  @MethodSource("recordTypes")
  void currentSchemaIsABackwardCompatibleNextVersionOfTheReleasedOne(Class<?> type) throws IOException {
    Schema released = new Schema.Parser().parse(newestRelease().resolve(type.getSimpleName() + ".avsc").toFile());
    Schema current = SpecificData.get().getSchema(type);
    String subject = "evolution-" + type.getSimpleName() + "-" + UUID.randomUUID();
    registry.register(subject, released);
    registry.setCompatibility(subject, "BACKWARD");
    assertThat(registry.isCompatibleWithLatest(subject, current))
        .as(type.getSimpleName() + " must stay BACKWARD compatible with release " + newestRelease().getFileName()).isTrue();
    registry.register(subject, current);
  }

  /** The check can fail: a required field without a default is refused by the registry (409). */
  @Test
  void registryRefusesAnIncompatibleChange() throws IOException {
    Schema released = new Schema.Parser().parse(newestRelease().resolve("CancelCommand.avsc").toFile());
    Schema broken = SchemaBuilder.record("CancelCommand").namespace("dev.addp.avro").fields()
        .requiredString("job_id").requiredLong("requested_at_ms").requiredString("operator").endRecord();
    String subject = "evolution-broken-" + UUID.randomUUID();
    registry.register(subject, released);
    registry.setCompatibility(subject, "BACKWARD");
    assertThat(registry.isCompatibleWithLatest(subject, broken)).isFalse();
    assertThatThrownBy(() -> registry.register(subject, broken))
        .isInstanceOf(SchemaRegistryException.class)
        .satisfies(e -> assertThat(((SchemaRegistryException) e).httpStatus()).isEqualTo(409));
  }

  private static Path newestRelease() throws IOException {
    try (Stream<Path> dirs = Files.list(RELEASED)) {
      return dirs.filter(Files::isDirectory).max(Comparator.comparing(p -> p.getFileName().toString())).orElseThrow();
    }
  }
}
