package dev.addp.workers.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.onnx.Device;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The all-masked logits under guidance: float32 in the graph's order, c_label itself at w = 0 or
 * for "none", and equal to what gen_step computes for an all-masked image with that label and w.
 */
class GuidedLogitsTest {
  @Test
  void zeroGuidanceGivesTheLabelsConstantsThemselves() {
    float[] label = {1.5f, -0.25f, 3e-8f};
    float[] none = {0.5f, 2f, 7f};
    assertThat(GuidedLogits.allMasked(label, none, 0f)).isSameAs(label);
    assertThat(label).containsExactly(1.5f, -0.25f, 3e-8f);
  }

  @Test
  void theNoneLabelIsUnchangedWhateverTheStrength() {
    float[] none = {0.5f, 2f, 7f};
    assertThat(GuidedLogits.allMasked(none, none, 4f)).isSameAs(none).containsExactly(0.5f, 2f, 7f);
  }

  @Test
  void mixesInFloat32InTheGraphsOrder() {
    float[] label = {1.5f, 0.1f, -2f};
    float[] none = {0.25f, 0.3f, -2f};
    float w = 0.7f;
    float[] out = GuidedLogits.allMasked(label, none, w);
    assertThat(out[0]).isEqualTo(1.5f + 0.7f * 1.25f); // exact in binary: 2.375
    assertThat(out[0]).isEqualTo(2.375f);
    float d = 0.1f - 0.3f;
    assertThat(out[1]).isEqualTo(0.1f + w * d); // float32, d first, then w * d, then the sum
    assertThat(out[1]).isNotEqualTo((float) (0.1 + 0.7 * (0.1 - 0.3))); // double arithmetic rounds differently here
    assertThat(out[2]).isEqualTo(-2f);
  }

  /** Needs a zoo whose gen_step takes a guidance input. */
  @Test
  void matchesGenStepOnAnAllMaskedImage() throws Exception {
    try (GenerationModel model = new GenerationModel(ZooFixtures.modelDir(), Device.CPU, 2)) {
      assertThat(model.conditioning().guidance()).as("the zoo's gen_step declares guidance").isNotNull();
      int n = model.tokens();
      int k = model.codebookSize();
      int label = model.manifest().labels().indexOf("Sandal");
      float w = 1.75f;
      float[] mask = new float[n];
      Arrays.fill(mask, 1f);
      float[] probs = new float[n * k];
      Arrays.fill(probs, 1f / k);
      float[] logits = new float[n * k];
      model.run(true, 1, new long[n], mask, probs, new long[] {label}, new float[] {w}, new float[model.pixelCount()], logits, null);
      float[] mixed = model.allMaskedLogits(label, w);
      double worst = 0;
      for (int i = 0; i < logits.length; i++) worst = Math.max(worst, Math.abs(mixed[i] - logits[i]));
      assertThat(worst).as("max |mixed constants - gen_step logits|").isLessThan(1e-4);
      assertThat(mixed).isNotEqualTo(model.allMaskedLogits(label, 0f)); // guidance changes them
    }
  }
}
