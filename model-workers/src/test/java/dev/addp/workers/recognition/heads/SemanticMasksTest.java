package dev.addp.workers.recognition.heads;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.workers.model.PreprocessSpec;
import dev.addp.workers.recognition.LetterboxMapping;
import java.util.List;
import org.junit.jupiter.api.Test;

class SemanticMasksTest {
  /** 3 channels (background + 2 classes) on a 4×4 grid at stride 1. */
  private final SemanticMasks masks = new SemanticMasks(3, 4, 1);

  @Test
  void argmaxPicksTheHighestChannelAndTheLowerOnATie() {
    float[] seg = new float[3 * 16];
    seg[16 + 5] = 0.6f;       // class channel 1 at cell 5
    seg[2 * 16 + 6] = 0.6f;   // channel 2 at cell 6
    seg[6] = 0.6f;            // tie with background at cell 6 → background
    int[] a = masks.argmax(seg, 0);
    assertThat(a[5]).isEqualTo(1);
    assertThat(a[6]).isZero();
    assertThat(a[0]).isZero();
    assertThat(masks.meanScores(seg, 0, a)[1]).isEqualTo(0.6f);
  }

  @Test
  void labelsComeBackToOriginalPixelsByNearestNeighbourAndPaddingIsBackground() {
    int[] argmax = {
        0, 0, 0, 0,
        0, 1, 2, 0,
        0, 1, 2, 0,
        0, 0, 0, 0};
    // an 8×4 image on a 4×4 canvas: scaled to 4×2 at (0, 1); rows 0 and 3 are padding
    LetterboxMapping m = LetterboxMapping.of(new PreprocessSpec("pad", 4, 4, 0.0, "bilinear", "rgb"), 8, 4);
    assertThat(m).isEqualTo(new LetterboxMapping(8, 4, 4, 4, 2, 0, 1));
    int[] labels = masks.toOriginal(argmax, m);
    // original row y → canvas row 1 + y / 2, column x → x / 2
    assertThat(labels).containsExactly(
        0, 0, 1, 1, 2, 2, 0, 0,
        0, 0, 1, 1, 2, 2, 0, 0,
        0, 0, 1, 1, 2, 2, 0, 0,
        0, 0, 1, 1, 2, 2, 0, 0);
    boolean[] class0 = SemanticMasks.classMask(labels, 1);
    int n = 0;
    for (boolean b : class0) if (b) n++;
    assertThat(n).isEqualTo(8);
    // the instance of class channel 2 inside the box x ∈ [4.6, 8), y ∈ [0, 2): pixel 4 is out (centre 4.5)
    SemanticMasks.BoxMask inst = SemanticMasks.instanceMask(labels, 8, 4, 2, 4.6, 0, 3.4, 2);
    assertThat(inst.get(5, 0)).isTrue();
    assertThat(inst.get(4, 0)).isFalse();
    assertThat(inst.get(5, 1)).isTrue();
    assertThat(inst.get(5, 2)).isFalse();
    // held at the box's extent (columns 4..7, rows 0..1), not the image's 8 × 4
    assertThat(inst.bits()).hasSize(4 * 2);
    assertThat(List.of(inst.left(), inst.top(), inst.width(), inst.height())).containsExactly(4, 0, 4, 2);
  }

  @Test
  void theMajorityClassInsideABoxCountsForegroundCellsOnly() {
    int[] argmax = {
        0, 0, 0, 0,
        0, 1, 2, 2,
        0, 1, 2, 0,
        0, 0, 0, 0};
    assertThat(masks.majorityClass(argmax, new Detection(0, 1f, 0, 0, 4, 4))).isEqualTo(1); // channel 2 ×3 → class 1
    assertThat(masks.majorityClass(argmax, new Detection(0, 1f, 0, 0, 2, 4))).isEqualTo(0); // channel 1 ×2 → class 0
    // centre rule: the box [1.6, 4) × [1, 3) holds cells x = 2, 3 (centres 2.5, 3.5) only
    assertThat(masks.majorityClass(argmax, new Detection(0, 1f, 1.6, 1, 4, 3))).isEqualTo(1);
    assertThat(masks.majorityClass(argmax, new Detection(0, 1f, 0, 0, 1, 1))).isEqualTo(-1);
    // a tie (one each) goes to the lower class
    assertThat(masks.majorityClass(argmax, new Detection(0, 1f, 1, 2, 3, 3))).isEqualTo(0);
  }
}
