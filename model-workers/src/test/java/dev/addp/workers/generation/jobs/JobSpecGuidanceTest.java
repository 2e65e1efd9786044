package dev.addp.workers.generation.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationRequest;
import dev.addp.workers.model.GenerationDefaults;
import dev.addp.workers.model.ManifestFixtures;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.ZooFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A request's guidance strength: the manifest's default when left out, finite and in [0, max] when
 * set, ignored without a label, and refused by a model without guidance. Needs a zoo whose manifest
 * declares guidance.
 */
class JobSpecGuidanceTest {
  private static final ModelManifest GUIDED = ModelManifest.read(ZooFixtures.modelDir());

  /** The manifest's guidance block; the tests need one. */
  private static GenerationDefaults.Guidance declared() {
    GenerationDefaults.Guidance g = GUIDED.generation().conditioning().guidance();
    assertThat(g).as("generation.conditioning.guidance of " + GUIDED.name() + " " + GUIDED.version()).isNotNull();
    return g;
  }

  private static GenerationRequest request(String label, Double guidance) {
    return GenerationRequest.newBuilder().setJobId("j").setCount(2).setLabel(label).setGuidance(guidance).build();
  }

  @Test
  void aLabelledJobUsesTheRequestedStrengthOrTheManifestsDefault() {
    double fallback = declared().strength();
    assertThat(JobSpec.of(request("Sandal", null), GUIDED).guidance()).isEqualTo(fallback);
    JobSpec spec = JobSpec.of(request("Sandal", 2.5), GUIDED);
    assertThat(spec.guidance()).isEqualTo(2.5);
    assertThat(spec.start().guidance()).isEqualTo(2.5f);
    assertThat(JobSpec.of(request("Sandal", 0.0), GUIDED).start().guidance()).isZero();
  }

  @Test
  void withoutALabelAStrengthIsCheckedButHasNoEffect() {
    declared();
    JobSpec spec = JobSpec.of(request(null, 3.0), GUIDED);
    assertThat(spec.guidance()).isNull();
    assertThat(spec.start().guidance()).isZero();
    assertThatThrownBy(() -> JobSpec.of(request(null, -1.0), GUIDED)).isInstanceOf(InvalidJobException.class);
  }

  @Test
  void aStrengthOutsideZeroToMaxOrNotFiniteIsAnInvalidRequest() {
    double max = declared().max();
    for (double bad : new double[] {-0.001, max + 0.001, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
      assertThatThrownBy(() -> JobSpec.of(request("Sandal", bad), GUIDED)).as("guidance " + bad)
          .isInstanceOfSatisfying(InvalidJobException.class, e -> {
            assertThat(e.type()).isEqualTo(ErrorType.INVALID_REQUEST);
            assertThat(e.getMessage()).contains("guidance must be a finite number in [0, " + max + "]");
          });
    }
    assertThat(JobSpec.of(request("Sandal", max), GUIDED).guidance()).isEqualTo(max);
  }

  @Test
  void aModelWithoutGuidanceRefusesAStrengthAndRunsWithoutOne(@TempDir java.nio.file.Path dir) throws Exception {
    ObjectNode m = (ObjectNode) ZooFixtures.json(ZooFixtures.modelDir().resolve("manifest.json"));
    ((ObjectNode) m.at("/generation/conditioning")).remove("guidance");
    ModelManifest unguided = ManifestFixtures.write(dir, m);
    assertThat(JobSpec.of(request("Sandal", null), unguided).guidance()).isNull();
    assertThatThrownBy(() -> JobSpec.of(request("Sandal", 1.0), unguided))
        .isInstanceOfSatisfying(InvalidJobException.class, e -> {
          assertThat(e.type()).isEqualTo(ErrorType.INVALID_REQUEST);
          assertThat(e.getMessage()).contains("no classifier-free guidance");
        });
  }
}
