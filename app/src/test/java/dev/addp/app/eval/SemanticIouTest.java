package dev.addp.app.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SemanticIouTest {
  @Test
  void perClassIntersectionOverUnionSummedOverImagesAndMeanedOverPresentClasses() {
    SemanticIou iou = new SemanticIou(11);
    iou.add(new int[] {0, 1, 1, 2}, new int[] {0, 1, 2, 2});
    // background 1/1, class channel 1: 1/2, channel 2: 1/2; channels 3..10 absent
    assertThat(iou.iou(0)).isEqualTo(1);
    assertThat(iou.iou(1)).isEqualTo(0.5);
    assertThat(iou.iou(3)).isNaN();
    assertThat(iou.mean()).isCloseTo(2.0 / 3, within(1e-12));
    // sums over images, not a mean of per-image IoUs: channel 1 gets 0/1 more → 1/3
    iou.add(new int[] {0, 0, 0, 3}, new int[] {0, 0, 1, 0});
    assertThat(iou.iou(1)).isCloseTo(1.0 / 3, within(1e-12));
    assertThat(iou.iou(3)).isZero(); // predicted only: present, IoU 0
  }
}
