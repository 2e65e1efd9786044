package dev.addp.workers.recognition.heads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.addp.workers.model.RecognitionSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Selection, renaming, the four scoring modes, the stable re-sort and the NMS by the new classes (3 item classes + "no item"). */
class CropRefinerTest {
  private static CropRefiner refiner(String score, double minScore) {
    return new CropRefiner(new RecognitionSpec.Refine("crop_classifier", "crops", "crops", "probs", 32, 1.15, 3, score, minScore, 0.5), 0.5);
  }

  @Test
  void onlyCandidatesAtTheRefineMinScoreAreClassifiedInTheirOrder() {
    Detection a = new Detection(0, 0.9, 0, 0, 4, 4);
    Detection b = new Detection(1, 0.1, 0, 0, 4, 4);
    Detection c = new Detection(2, 0.2, 8, 8, 12, 12);
    assertThat(refiner("peak", 0.2).select(List.of(a, b, c))).containsExactly(a, c);
  }

  @Test
  void eachScoreModeIsTheContractsFormula() {
    Detection d = new Detection(0, 0.5, 0, 0, 4, 4);
    float[] probs = {0.1f, 0.6f, 0.1f, 0.2f}; // item class 1, p = 0.6, p(no item) = 0.2
    double p = 0.6f;
    double none = 0.2f;
    assertThat(refiner("peak", 0).refine(List.of(d), probs, 0)).containsExactly(new Detection(1, 0.5, 0, 0, 4, 4));
    assertThat(refiner("peak_times_prob", 0).refine(List.of(d), probs, 0).get(0).score()).isEqualTo(0.5 * p);
    assertThat(refiner("peak_times_item", 0).refine(List.of(d), probs, 0).get(0).score()).isEqualTo(0.5 * (1 - none));
    assertThat(refiner("sqrt_peak_times_prob", 0).refine(List.of(d), probs, 0).get(0).score()).isEqualTo(Math.sqrt(0.5 * p));
    assertThatThrownBy(() -> refiner("peak_plus_prob", 0)).hasMessageContaining("unknown refine score 'peak_plus_prob'");
  }

  @Test
  void theClassIsTheMostLikelyItemNeverNoItemTiesToTheLowerClass() {
    Detection d = new Detection(2, 0.5, 0, 0, 4, 4);
    // "no item" most likely: still the best item class is the label
    assertThat(refiner("peak", 0).refine(List.of(d), new float[] {0.1f, 0.3f, 0.2f, 0.4f}, 0).get(0).classId()).isEqualTo(1);
    assertThat(refiner("peak", 0).refine(List.of(d), new float[] {0.3f, 0.3f, 0.3f, 0.1f}, 0).get(0).classId()).isEqualTo(0);
    // the box's probabilities start at the offset given
    assertThat(refiner("peak", 0).refine(List.of(d), new float[] {9, 9, 9, 9, 0.1f, 0.1f, 0.7f, 0.1f}, 4).get(0).classId()).isEqualTo(2);
  }

  @Test
  void boxesAreReSortedByTheNewScoreStablyThenNmsByTheNewClasses() {
    Detection a = new Detection(0, 0.9, 0, 0, 10, 10);
    Detection b = new Detection(1, 0.8, 1, 0, 11, 10);   // IoU 0.82 with a; another heat-map class
    Detection c = new Detection(0, 0.7, 20, 20, 30, 30);
    Detection e = new Detection(0, 0.6, 21, 20, 31, 30); // IoU 0.82 with c; same heat-map class
    float[] probs = {
        0.5f, 0.1f, 0.1f, 0.3f,   // a → class 0, 0.9 · 0.5 = 0.45
        0.8f, 0.1f, 0.0f, 0.1f,   // b → class 0, 0.8 · 0.8 = 0.64: now above a, same class → a suppressed
        0.0f, 0.5f, 0.0f, 0.5f,   // c → class 1, 0.35
        0.0f, 0.0f, 0.7f, 0.3f};  // e → class 2, 0.42: other class than c → both kept
    List<Detection> out = refiner("peak_times_prob", 0).refine(List.of(a, b, c, e), probs, 0);
    assertThat(out).extracting(Detection::classId).containsExactly(0, 2, 1);
    assertThat(out.get(0).x0()).isEqualTo(1);     // b
    assertThat(out.get(1).x0()).isEqualTo(21);    // e
    assertThat(out.get(0).score()).isCloseTo(0.8 * 0.8f, within(1e-12));
    // equal new scores keep the candidates' order (stable), so the earlier one is kept by the NMS
    float[] same = {0.5f, 0.1f, 0.1f, 0.3f, 0.5f, 0.1f, 0.1f, 0.3f};
    Detection f = new Detection(0, 0.9, 1, 0, 11, 10);
    assertThat(refiner("peak_times_item", 0).refine(List.of(new Detection(0, 0.9, 0, 0, 10, 10), f), same, 0))
        .extracting(Detection::x0).containsExactly(0.0);
  }
}
