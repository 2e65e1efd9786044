package dev.addp.app.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.addp.app.eval.BoxAp.Box;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hand-checked cases of the contract's COCO-style AP. */
class BoxApTest {
  private static Box gt(int c, double x, double y, double w, double h) { return new Box(c, 0, x, y, w, h); }

  private static Box det(int c, double s, double x, double y, double w, double h) { return new Box(c, s, x, y, w, h); }

  @Test
  void aPerfectDetectionScoresOne() {
    BoxAp ap = new BoxAp(10);
    ap.add(List.of(gt(0, 0, 0, 10, 10)), List.of(det(0, 0.9, 0, 0, 10, 10)));
    assertThat(ap.result()).isEqualTo(new BoxAp.Result(1, 1, 1, 1));
  }

  @Test
  void aFalsePositiveRankedFirstHalvesThePrecisionAtEveryRecall() {
    BoxAp ap = new BoxAp(2);
    ap.add(List.of(gt(0, 0, 0, 10, 10)), List.of(det(0, 0.9, 20, 20, 5, 5), det(0, 0.8, 0, 0, 10, 10)));
    // precision [0, 1/2] → monotone [1/2, 1/2]; every recall point reads 1/2
    assertThat(ap.result().ap()).isCloseTo(0.5, within(1e-12));
  }

  @Test
  void anOffsetBoxCountsUpToItsIou() {
    BoxAp ap = new BoxAp(1);
    // IoU 90 / 110 = 0.818: a hit at 0.50 .. 0.80 (7 thresholds), a miss at 0.85, 0.90, 0.95
    ap.add(List.of(gt(0, 0, 0, 10, 10)), List.of(det(0, 0.9, 1, 0, 10, 10)));
    BoxAp.Result r = ap.result();
    assertThat(r.ap()).isCloseTo(0.7, within(1e-12));
    assertThat(r.ap50()).isEqualTo(1);
    assertThat(r.ap75()).isEqualTo(1);
  }

  @Test
  void halfTheObjectsFoundReadsPrecisionOneUpToRecallOneHalf() {
    BoxAp ap = new BoxAp(1);
    ap.add(List.of(gt(0, 0, 0, 10, 10), gt(0, 30, 30, 10, 10)), List.of(det(0, 0.9, 0, 0, 10, 10)));
    assertThat(ap.result().ap()).isCloseTo(51.0 / 101, within(1e-12)); // recall points 0.00 .. 0.50
  }

  @Test
  void matchingTakesTheUnmatchedTruthOfHighestIouAndCategoriesWithoutTruthAreSkipped() {
    BoxAp ap = new BoxAp(3);
    // det 1 overlaps B exactly (and A at 0.67): it must take B, leaving A for det 2 at IoU 1
    ap.add(List.of(gt(0, 0, 0, 10, 10), gt(0, 2, 0, 10, 10)),
        List.of(det(0, 0.9, 2, 0, 10, 10), det(0, 0.8, 0, 0, 10, 10), det(2, 0.99, 0, 0, 1, 1)));
    // another image: class 1 found, in a second image of the set
    ap.add(List.of(gt(1, 5, 5, 4, 4)), List.of(det(1, 0.3, 5, 5, 4, 4)));
    BoxAp.Result r = ap.result();
    assertThat(r.categories()).isEqualTo(2); // class 2 has no ground truth: its detection is not counted
    assertThat(r.ap()).isCloseTo(1, within(1e-12));
  }

  @Test
  void detectionsAcrossImagesAreRankedTogetherByScore() {
    BoxAp ap = new BoxAp(1);
    ap.add(List.of(gt(0, 0, 0, 10, 10)), List.of(det(0, 0.5, 0, 0, 10, 10)));   // TP at rank 2
    ap.add(List.of(gt(0, 0, 0, 10, 10)), List.of(det(0, 0.9, 50, 50, 10, 10))); // FP at rank 1
    // ranks: FP (p 0, r 0), TP (p 1/2, r 1/2) → monotone 1/2 up to recall 1/2, 0 beyond
    assertThat(ap.result().ap()).isCloseTo(0.5 * 51 / 101, within(1e-12));
  }

  @Test
  void onlyTheHundredBestDetectionsOfAnImageCount() {
    BoxAp ap = new BoxAp(1);
    List<Box> dets = new ArrayList<>();
    for (int i = 0; i < 100; i++) dets.add(det(0, 0.9, 100 + i, 100, 5, 5));
    dets.add(det(0, 0.1, 0, 0, 10, 10)); // the only hit, 101st by score
    ap.add(List.of(gt(0, 0, 0, 10, 10)), dets);
    assertThat(ap.result().ap()).isZero();
  }
}
