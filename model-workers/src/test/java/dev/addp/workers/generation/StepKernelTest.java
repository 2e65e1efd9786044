package dev.addp.workers.generation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class StepKernelTest {
  @Test
  void softmaxWithTemperature() {
    float[] logits = {0f, (float) Math.log(3)};
    float[] p = new float[2];
    StepKernel.softmax(logits, p, 0, 2, 1f);
    assertThat(p[0]).isCloseTo(0.25f, within(1e-6f));
    StepKernel.softmax(logits, p, 0, 2, 1e-3f);
    assertThat(p[1]).isCloseTo(1f, within(1e-6f));
  }

  @Test
  void inverseCdfSampling() {
    float[] p = {0.1f, 0.0f, 0.6f, 0.3f};
    assertThat(StepKernel.sample(p, 0, 4, 0.0)).isZero();
    assertThat(StepKernel.sample(p, 0, 4, 0.1)).isEqualTo(2); // cdf must exceed u·total: index 1 has zero mass
    assertThat(StepKernel.sample(p, 0, 4, 0.69)).isEqualTo(2);
    assertThat(StepKernel.sample(p, 0, 4, 0.71)).isEqualTo(3);
    assertThat(StepKernel.sample(p, 0, 4, 0.999999)).isEqualTo(3);
  }

  @Test
  void bottomKKeepsTheLeastConfidentTiesToLowerIndex() {
    double[] c = {0.5, Double.POSITIVE_INFINITY, -1, 0.5, -2};
    float[] mask = new float[5];
    StepKernel.bottomK(c, 3, mask, 0, new int[5]);
    assertThat(mask).containsExactly(1f, 0f, 1f, 0f, 1f);
  }
}
