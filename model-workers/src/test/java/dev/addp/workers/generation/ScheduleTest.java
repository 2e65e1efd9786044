package dev.addp.workers.generation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ScheduleTest {
  @Test
  void cosineTwentyStepsOverTwoFiftySixTokensMatchesTheMethodNote() {
    int[] masked = IntStream.range(0, 20).map(s -> Schedule.COSINE.maskedAfter(s, 20, 256)).toArray();
    assertThat(masked).containsExactly(256, 253, 249, 244, 237, 229, 219, 208, 195, 182, 167, 151, 134, 117, 98, 80, 60, 41, 21, 1);
  }

  @Test
  void linearRevealsOneTokenPerStepAndKeepsOneSoftTokenAtTheEnd() {
    assertThat(Schedule.LINEAR.maskedAfter(0, 256, 256)).isEqualTo(255);
    assertThat(Schedule.LINEAR.maskedAfter(255, 256, 256)).isEqualTo(1);
    assertThat(Schedule.COSINE.maskedAfter(0, 1, 64)).isEqualTo(1);
  }

  @Test
  void gumbelScaleIsAnnealedToZeroAtTheLastStep() {
    LoopSettings s = new LoopSettings(20, Schedule.COSINE, 1.0, 6.0);
    assertThat(s.choiceTemperatureAt(0)).isCloseTo(5.7, org.assertj.core.api.Assertions.within(1e-12));
    assertThat(s.choiceTemperatureAt(19)).isZero();
  }
}
