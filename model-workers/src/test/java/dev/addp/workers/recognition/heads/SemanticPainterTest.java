package dev.addp.workers.recognition.heads;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Painting the argmax with the refined boxes on hand-built 4×4 maps (channel 0 background, 1 + c class c). */
class SemanticPainterTest {
  private static final int[] MAP = {
      0, 1, 1, 0,
      0, 1, 2, 0,
      3, 3, 2, 0,
      3, 3, 0, 0};

  private static SemanticPainter painter(double minScore) { return new SemanticPainter(4, 1, minScore); }

  @Test
  void foregroundCellsWhoseCentreIsInsideABoxTakeItsClassBackgroundStays() {
    // box (0.5, 0.5)–(3, 2): centres x 0.5..2.5, y 0.5..1.5 → cells (0..2, 0..1)
    SemanticPainter.Painted p = painter(0.3).paint(MAP, List.of(new Detection(4, 0.6, 0.5, 0.5, 3, 2)));
    assertThat(p.labels()).containsExactly(
        0, 5, 5, 0,
        0, 5, 5, 0,
        3, 3, 2, 0,
        3, 3, 0, 0);
    assertThat(p.boxScore()[1]).isEqualTo(0.6);
    assertThat(p.boxScore()[0]).isNaN();   // background inside the box: not painted
    assertThat(p.boxScore()[8]).isNaN();   // outside the box
    assertThat(MAP[1]).as("the input map is left as it was").isEqualTo(1);
  }

  @Test
  void aCentreOnTheFarEdgeIsOutsideAndBoxesBelowThePaintScoreDoNotPaint() {
    // box (0, 0)–(1.5, 1.5): cells (1, 0), (0, 1), (1, 1) have a centre coordinate 1.5, not < 1.5: outside; (0, 0) is background
    assertThat(painter(0.3).paint(MAP, List.of(new Detection(4, 0.6, 0, 0, 1.5, 1.5))).labels()).containsExactly(MAP);
    assertThat(painter(0.3).paint(MAP, List.of(new Detection(4, 0.6, 0, 0, 1.51, 1.51))).labels()[5]).isEqualTo(5);
    assertThat(painter(0.7).paint(MAP, List.of(new Detection(4, 0.6, 0, 0, 4, 4))).labels()).containsExactly(MAP);
    assertThat(painter(0.6).paint(MAP, List.of(new Detection(4, 0.6, 0, 0, 4, 4))).labels()[5]).as("at the threshold").isEqualTo(5);
  }

  @Test
  void whereBoxesOverlapTheHigherScoreWinsAndOnEqualScoresTheLaterOne() {
    Detection low = new Detection(6, 0.4, 0, 0, 4, 4);   // everything, class 6 → 7
    Detection high = new Detection(7, 0.9, 0, 0, 2, 2);  // top-left 2×2, class 7 → 8
    // given in NMS order (high first) or not: painted in ascending score, so high wins where both cover
    for (List<Detection> order : List.of(List.of(high, low), List.of(low, high))) {
      int[] l = painter(0.1).paint(MAP, order).labels();
      assertThat(l[1]).isEqualTo(8);
      assertThat(l[5]).isEqualTo(8);
      assertThat(l[6]).isEqualTo(7);
      assertThat(l[0]).isEqualTo(0);
    }
    Detection first = new Detection(1, 0.5, 0, 0, 4, 4);
    Detection second = new Detection(2, 0.5, 0, 0, 4, 4);
    assertThat(painter(0.1).paint(MAP, List.of(first, second)).labels()[1]).as("equal scores: the later is painted last").isEqualTo(3);
    assertThat(painter(0.1).paint(MAP, List.of(second, first)).labels()[1]).isEqualTo(2);
  }

  @Test
  void onACoarserGridTheCellCentreIsInCanvasPixels() {
    // stride 2: cell (1, 0) has its centre at canvas (3, 1)
    SemanticPainter coarse = new SemanticPainter(2, 2, 0.1);
    int[] map = {1, 1, 1, 1};
    assertThat(coarse.paint(map, List.of(new Detection(2, 0.5, 2.5, 0, 4, 2))).labels()).containsExactly(1, 3, 1, 1);
  }
}
