package dev.addp.workers.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.addp.workers.model.GenerationDefaults;
import dev.addp.workers.model.ManifestFixtures;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.ZooFixtures;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest's conditioning and guidance blocks are parsed and checked against gen_step's inputs
 * at start-up; a manifest without guidance is a model without it. The first test needs a zoo whose
 * manifest declares guidance.
 */
class GenerationConditioningContractTest {
  @TempDir Path dir;

  private ModelManifest edited(Consumer<ObjectNode> guidance) throws Exception {
    ObjectNode m = (ObjectNode) ZooFixtures.json(ZooFixtures.modelDir().resolve("manifest.json"));
    guidance.accept((ObjectNode) m.at("/generation/conditioning"));
    return ManifestFixtures.write(dir, m);
  }

  @Test
  void theGuidanceBlockIsParsedAndMatchesGenStep() {
    ModelManifest m = ModelManifest.read(ZooFixtures.modelDir());
    GenerationDefaults.Guidance g = m.generation().conditioning().guidance();
    assertThat(g).as("generation.conditioning.guidance of " + m.version()).isNotNull();
    assertThat(g.input()).isEqualTo("guidance");
    assertThat(g.strength()).isBetween(0.0, g.max());
    GenerationModel.checkConditioning(m);
  }

  @Test
  void aManifestWithoutGuidanceIsAModelWithoutIt() throws Exception {
    ModelManifest m = edited(c -> c.remove("guidance"));
    assertThat(m.generation().conditioning().guidance()).isNull();
    GenerationModel.checkConditioning(m);
  }

  @Test
  void aGuidanceInputGenStepLacksIsRefused() throws Exception {
    ModelManifest m = edited(c -> c.putObject("guidance").put("input", "strength").put("default", 1.0).put("max", 10.0));
    assertThatThrownBy(() -> GenerationModel.checkConditioning(m)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("guidance input 'strength'");
  }

  @Test
  void aDefaultOutsideZeroToMaxIsRefused() throws Exception {
    for (double bad : new double[] {-0.5, 10.5, Double.NaN}) {
      ModelManifest m = edited(c -> c.putObject("guidance").put("input", "guidance").put("default", bad).put("max", 10.0));
      assertThatThrownBy(() -> GenerationModel.checkConditioning(m)).as("default " + bad).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("default in [0, max]");
    }
  }
}
