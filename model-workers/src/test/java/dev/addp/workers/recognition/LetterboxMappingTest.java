package dev.addp.workers.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.addp.workers.model.PreprocessSpec;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property tests (seeded random boxes over a grid of image sizes and both preprocessing modes): a
 * box drawn into an image, run through the real {@link Preprocessor} and found again on the model
 * input, maps back through {@link LetterboxMapping} to where it was drawn, within one model-input
 * pixel (the rounding the resampling allows).
 */
class LetterboxMappingTest {
  static final PreprocessSpec DENSE = new PreprocessSpec("pad", 64, 64, 0.0, "bilinear", "rgb");
  static final PreprocessSpec PADDED = new PreprocessSpec("pad", 28, 32, 0.0, "bilinear", "rgb");
  static final PreprocessSpec CROP = new PreprocessSpec("resize_center_crop", null, 48, null, "bilinear", "rgb");

  static Stream<Arguments> cases() {
    int[][] sizes = {{64, 64}, {1, 1}, {37, 23}, {23, 37}, {101, 7}, {3, 250}, {640, 480}, {1999, 1201}, {2, 3}, {65, 63}};
    Stream.Builder<Arguments> b = Stream.builder();
    for (PreprocessSpec spec : new PreprocessSpec[] {DENSE, PADDED, CROP}) {
      for (int[] s : sizes) b.add(Arguments.of(spec.mode() + " " + spec.size() + " " + s[0] + "×" + s[1], spec, s[0], s[1]));
    }
    return b.build();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aBoxDrawnIntoTheImageComesBackWhereItWas(String name, PreprocessSpec spec, int w, int h) {
    LetterboxMapping m = LetterboxMapping.of(spec, w, h);
    // the part of the image that is on the canvas (all of it unless cropped)
    double vx0 = Math.max(0, m.toOriginalX(0));
    double vy0 = Math.max(0, m.toOriginalY(0));
    double vx1 = Math.min(w, m.toOriginalX(m.canvas()));
    double vy1 = Math.min(h, m.toOriginalY(m.canvas()));
    double cellW = (double) w / m.resizedWidth(); // one canvas pixel, in original pixels
    double cellH = (double) h / m.resizedHeight();
    Random random = new Random(31L * w + h);
    Preprocessor pre = new Preprocessor(spec);
    for (int trial = 0; trial < 6; trial++) {
      // at least 3 canvas pixels (and 1 original pixel) each way, inside the visible part
      int minW = (int) Math.ceil(Math.max(1, 3 * cellW));
      int minH = (int) Math.ceil(Math.max(1, 3 * cellH));
      int spanW = (int) Math.floor(vx1 - Math.ceil(vx0));
      int spanH = (int) Math.floor(vy1 - Math.ceil(vy0));
      if (spanW < minW || spanH < minH) {
        minW = spanW;
        minH = spanH;
      }
      int bw = minW + random.nextInt(spanW - minW + 1);
      int bh = minH + random.nextInt(spanH - minH + 1);
      int bx = (int) Math.ceil(vx0) + random.nextInt(spanW - bw + 1);
      int by = (int) Math.ceil(vy0) + random.nextInt(spanH - bh + 1);
      BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = img.createGraphics();
      g.setColor(Color.WHITE);
      g.fillRect(bx, by, bw, bh);
      g.dispose();

      float[] input = new float[pre.inputLength()];
      pre.write(img, input, 0);
      int[] found = brightBounds(input, spec.size());
      assertThat(found).as("box %d,%d %d×%d visible on the canvas", bx, by, bw, bh).isNotNull();
      double[] back = m.toOriginalBox(found[0], found[1], found[2] + 1, found[3] + 1);
      assertThat(back[0]).as("x of %s", name).isCloseTo(bx, within(cellW + 1e-9));
      assertThat(back[1]).as("y").isCloseTo(by, within(cellH + 1e-9));
      assertThat(back[0] + back[2]).as("right edge").isCloseTo(bx + bw, within(cellW + 1e-9));
      assertThat(back[1] + back[3]).as("bottom edge").isCloseTo(by + bh, within(cellH + 1e-9));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void canvasAndOriginalCoordinatesAreInverses(String name, PreprocessSpec spec, int w, int h) {
    LetterboxMapping m = LetterboxMapping.of(spec, w, h);
    Random random = new Random(w * 7919L + h);
    for (int i = 0; i < 50; i++) {
      double x = random.nextDouble() * w;
      double y = random.nextDouble() * h;
      assertThat(m.toOriginalX(m.toCanvasX(x))).isCloseTo(x, within(1e-9 * Math.max(1, w)));
      assertThat(m.toOriginalY(m.toCanvasY(y))).isCloseTo(y, within(1e-9 * Math.max(1, h)));
    }
    // the image's corners land on its content rectangle
    assertThat(m.toCanvasX(0)).isEqualTo(m.dx());
    assertThat(m.toCanvasX(w)).isCloseTo(m.dx() + m.resizedWidth(), within(1e-9));
  }

  @Test
  void placementIsTheOnePreprocessorUses() {
    // 56×28 on the 28-in-32 letterbox → 28×14 at (2, 9)
    assertThat(LetterboxMapping.of(PADDED, 56, 28)).isEqualTo(new LetterboxMapping(56, 28, 32, 28, 14, 2, 9));
    // a 64×64 scene on the dense model is the identity
    LetterboxMapping identity = LetterboxMapping.of(DENSE, 64, 64);
    assertThat(identity.toOriginalBox(3.5, 4, 10, 20)).containsExactly(3.5, 4, 6.5, 16);
    // crop: 96×48 → 96×48 scaled to 96×48 (shorter side 48), centre 48 → dx = -24
    assertThat(LetterboxMapping.of(CROP, 96, 48)).isEqualTo(new LetterboxMapping(96, 48, 48, 96, 48, -24, 0));
    // boxes are clipped to the image, and one wholly off it is null
    assertThat(identity.toOriginalBox(-5, -5, 10, 70)).containsExactly(0, 0, 10, 64);
    assertThat(LetterboxMapping.of(PADDED, 56, 28).toOriginalBox(0, 0, 2, 9)).isNull();
  }

  @Test
  void pixelsMapToTheCellTheirCentreFallsInAndPaddingToNone() {
    LetterboxMapping m = LetterboxMapping.of(PADDED, 56, 28); // 28×14 at (2, 9), scale 1/2
    assertThat(m.cellOf(0, 0, 1)).isEqualTo(9 * 32 + 2);
    assertThat(m.cellOf(55, 27, 1)).isEqualTo(22 * 32 + 29);
    assertThat(m.cellOf(55, 27, 4)).isEqualTo(5 * 8 + 7);
    LetterboxMapping tiny = LetterboxMapping.of(DENSE, 1, 1); // one pixel scaled to the whole canvas
    assertThat(tiny.cellOf(0, 0, 1)).isEqualTo(32 * 64 + 32);
  }

  /** [x0, y0, x1, y1] (inclusive) of the canvas pixels brighter than half, or null. */
  private static int[] brightBounds(float[] input, int size) {
    int x0 = size;
    int y0 = size;
    int x1 = -1;
    int y1 = -1;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        if (input[y * size + x] > 0.5f) {
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x);
          y1 = Math.max(y1, y);
        }
      }
    }
    return x1 < 0 ? null : new int[] {x0, y0, x1, y1};
  }
}
