package dev.addp.workers.recognition.heads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class CenterNetDecoderTest {
  static final int G = 4; // grid cells per side; stride 4 → a 16×16 canvas
  static final int CELLS = G * G;

  private final float[] heat = new float[2 * CELLS];
  private final float[] size = new float[2 * CELLS];
  private final float[] offset = new float[2 * CELLS];
  private final CenterNetDecoder decoder = new CenterNetDecoder(2, G, 4, 3);

  private void at(int c, int x, int y, float v) { heat[c * CELLS + y * G + x] = v; }

  private void box(int x, int y, float w, float h, float ox, float oy) {
    int cell = y * G + x;
    size[cell] = w;
    size[CELLS + cell] = h;
    offset[cell] = ox;
    offset[CELLS + cell] = oy;
  }

  private List<Detection> decode(double minScore, int k) { return decoder.decode(heat, 0, size, 0, offset, 0, minScore, k); }

  @Test
  void peaksAreLocalMaximaAboveTheMinimumScoreDecodedToCanvasBoxes() {
    at(0, 1, 1, 0.9f);
    at(0, 2, 1, 0.5f);  // next to a higher value: not a peak
    at(0, 3, 3, 0.3f);  // isolated (its 3×3 window holds nothing higher): a peak
    at(1, 2, 1, 0.7f);  // same cell as class 0's 0.5, another class: its own peak
    at(1, 0, 3, 0.04f); // below min_score
    box(1, 1, 6, 4, 0.5f, 0.25f);  // centre ((1 + .5)·4, (1 + .25)·4) = (6, 5)
    box(3, 3, 8, 8, 0.5f, 0.5f);   // centre (14, 14): ±4 clipped to the 16-pixel canvas
    box(2, 1, 2, 2, 0, 0);         // centre (8, 4)
    List<Detection> d = decode(0.05, 100);
    assertThat(d).hasSize(3);
    assertThat(d.get(0)).isEqualTo(new Detection(0, 0.9f, 3, 3, 9, 7));
    assertThat(d.get(1)).isEqualTo(new Detection(1, 0.7f, 7, 3, 9, 5));
    assertThat(d.get(2)).isEqualTo(new Detection(0, 0.3f, 10, 10, 16, 16));
  }

  @Test
  void theTopKAndARaisedThresholdLimitTheBoxes() {
    at(0, 0, 0, 0.9f);
    at(0, 3, 3, 0.6f);
    at(1, 0, 3, 0.4f);
    assertThat(decode(0.05, 2)).extracting(Detection::score).containsExactly((double) 0.9f, (double) 0.6f);
    assertThat(decode(0.5, 100)).extracting(Detection::score).containsExactly((double) 0.9f, (double) 0.6f);
    assertThat(decode(0.95, 100)).isEmpty();
  }

  @Test
  void equalNeighboursAreBothPeaksAndTiesKeepClassThenCellOrder() {
    at(1, 0, 0, 0.5f);
    at(0, 1, 0, 0.5f);
    at(0, 2, 0, 0.5f);
    List<Detection> d = decode(0.05, 100);
    assertThat(d).extracting(Detection::classId).containsExactly(0, 0, 1);
    assertThat(d.get(0).x0()).isLessThan(d.get(1).x0());
  }

  @Test
  void nmsSuppressesOverlapsWithinAClassOnly() {
    Detection a = new Detection(0, 0.9f, 0, 0, 10, 10);
    Detection b = new Detection(0, 0.8f, 1, 0, 11, 10);    // IoU 90/110 = 0.82 with a
    Detection c = new Detection(1, 0.7f, 1, 0, 11, 10);    // same place, other class
    Detection e = new Detection(0, 0.6f, 5, 0, 15, 10);    // IoU 50/150 = 0.33 with a
    assertThat(a.iou(b)).isCloseTo(90.0 / 110, within(1e-12));
    assertThat(CenterNetDecoder.nms(List.of(e, c, b, a), 0.5)).containsExactly(a, c, e);
    assertThat(CenterNetDecoder.nms(List.of(a, e), 0.3)).containsExactly(a);
  }
}
