package dev.addp.workers.recognition.heads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.RecognitionModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The crop rule of the refine stage: Java's crops of the golden boxes on the test scenes are the
 * Python reference's (crops.in.bin), the crop graph gives the golden probabilities for them, and
 * the edge rules (zeros off the canvas, side at least 1) hold on hand-checked images.
 */
class CropSamplerTest {
  private static final int CANVAS = 8;

  /** A 3-channel CANVAS² image whose value is the column index (channel 0), 2 · column (1), the row (2). */
  private static float[] ramp() {
    float[] img = new float[3 * CANVAS * CANVAS];
    for (int y = 0; y < CANVAS; y++) {
      for (int x = 0; x < CANVAS; x++) {
        img[y * CANVAS + x] = x;
        img[CANVAS * CANVAS + y * CANVAS + x] = 2 * x;
        img[2 * CANVAS * CANVAS + y * CANVAS + x] = y;
      }
    }
    return img;
  }

  @Test
  void goldenBoxesOnTheTestScenesGiveThePythonCropsAndTheGraphItsProbabilities() throws Exception {
    Path dir = ZooFixtures.denseModelDir();
    Path golden = dir.resolve("golden").resolve("crops");
    JsonNode c = ZooFixtures.json(golden.resolve("case.json"));
    JsonNode refine = ZooFixtures.json(dir.resolve("manifest.json")).at("/recognition/heads/detection/refine");
    int size = refine.get("crop_size").asInt();
    assertThat(c.get("crop_size").asInt()).isEqualTo(size);
    assertThat(c.get("crop_scale").asDouble()).isEqualTo(refine.get("crop_scale").asDouble());
    float[] expected = ZooFixtures.floats(golden.resolve(c.at("/inputs/crops/file").asText()));
    JsonNode boxes = c.get("crop_of");
    int maxScene = 0;
    for (JsonNode b : boxes) maxScene = Math.max(maxScene, b.get("scene_index").asInt());
    float[][] scenes = ZooFixtures.scenePixels(maxScene + 1);
    CropSampler sampler = new CropSampler(64, 64, size, refine.get("crop_scale").asDouble());
    float[] crops = new float[boxes.size() * sampler.cropLength()];
    for (int k = 0; k < boxes.size(); k++) {
      JsonNode b = boxes.get(k).get("box_xywh");
      double x = b.get(0).asDouble();
      double y = b.get(1).asDouble();
      Detection box = new Detection(0, 1, x, y, x + b.get(2).asDouble(), y + b.get(3).asDouble());
      sampler.sample(scenes[boxes.get(k).get("scene_index").asInt()], 0, box, crops, k * sampler.cropLength());
    }
    assertThat(crops).hasSameSizeAs(expected);
    double maxDiff = 0;
    for (int i = 0; i < crops.length; i++) maxDiff = Math.max(maxDiff, Math.abs(crops[i] - expected[i]));
    assertThat(maxDiff).as("max abs diff of the crops").isLessThanOrEqualTo(1e-5);

    float[] probs = ZooFixtures.floats(golden.resolve(c.at("/outputs/probs/file").asText()));
    try (RecognitionModel model = new RecognitionModel(dir, Device.CPU, 1)) {
      float[] actual = model.runCrops(expected, boxes.size());
      assertThat(model.cropRuns()).isEqualTo(1);
      assertThat(model.runs()).as("a crop run is not an encoder pass").isZero();
      assertThat(actual).hasSameSizeAs(probs);
      double tol = c.path("tolerance").asDouble(1e-4);
      for (int i = 0; i < probs.length; i++) assertThat((double) actual[i]).as("probs[%d]", i).isCloseTo(probs[i], within(tol));
    }
  }

  @Test
  void insideTheCanvasABilinearCropOfARampIsTheRampAtTheSamplePoints() {
    // box (2, 1)–(6, 5): side 4 · 1.0, 4 output pixels → samples at pixel positions 2.0, 3.0, 4.0, 5.0 (x0 + (u + 0.5) − 0.5)
    CropSampler s = new CropSampler(CANVAS, CANVAS, 4, 1.0);
    float[] out = new float[s.cropLength()];
    s.sample(ramp(), 0, new Detection(0, 1, 2, 1, 6, 5), out, 0);
    for (int v = 0; v < 4; v++) {
      for (int u = 0; u < 4; u++) {
        assertThat(out[v * 4 + u]).isEqualTo(2 + u);
        assertThat(out[16 + v * 4 + u]).isEqualTo(2 * (2 + u));
        assertThat(out[32 + v * 4 + u]).isEqualTo(1 + v);
      }
    }
    // the crop is square on the longer side, centred: box (2, 2)–(6, 4) crops rows 1..5 like the one above
    float[] wide = new float[s.cropLength()];
    s.sample(ramp(), 0, new Detection(0, 1, 2, 2, 6, 4), wide, 0);
    assertThat(wide).containsExactly(out);
  }

  @Test
  void neighboursOffTheCanvasCountAsZero() {
    // box (-2, -2)–(2, 2), scale 1: 2 output pixels per side sample at -2 + 2 · (u + 0.5) − 0.5 → positions -1.5 and 0.5
    CropSampler s = new CropSampler(CANVAS, CANVAS, 2, 1.0);
    float[] ones = new float[3 * CANVAS * CANVAS];
    java.util.Arrays.fill(ones, 1f);
    float[] out = new float[s.cropLength()];
    s.sample(ones, 0, new Detection(0, 1, -2, -2, 2, 2), out, 0);
    // position -1.5 reads pixels -2 and -1, both off the canvas; 0.5 reads pixels 0 and 1
    assertThat(out[0]).isEqualTo(0f);   // (u, v) = (0, 0)
    assertThat(out[1]).isEqualTo(0f);   // (1, 0): its row is off the canvas
    assertThat(out[2]).isEqualTo(0f);   // (0, 1)
    assertThat(out[3]).isEqualTo(1f);   // (1, 1): all four neighbours on the canvas
    // half a pixel off the right edge: position 7.5 mixes pixel 7 (inside, weight 0.5) and pixel 8 (off, 0)
    CropSampler one = new CropSampler(CANVAS, CANVAS, 1, 1.0);
    float[] px = new float[one.cropLength()];
    one.sample(ramp(), 0, new Detection(0, 1, 7.5, 3.5, 8.5, 4.5), px, 0); // centre (8, 4): sample at (7.5, 3.5)
    assertThat(px[0]).isCloseTo(0.5f * 7, within(1e-6f));
    assertThat(px[2]).isCloseTo(0.5f * 3.5f, within(1e-6f)); // the row ramp: rows 3 and 4 (3.5), times the x weight on the canvas
  }

  @Test
  void aTinyOrEmptyBoxCropsASquareOfSideOne() {
    // a zero-size box at (3.5, 2.5): side max(0 · 1.15, 1) = 1 around it; 2 samples at 3.25 and 3.75 − 0.5 → 2.75, 3.25
    CropSampler s = new CropSampler(CANVAS, CANVAS, 2, 1.15);
    float[] out = new float[s.cropLength()];
    s.sample(ramp(), 0, new Detection(0, 1, 3.5, 2.5, 3.5, 2.5), out, 0);
    assertThat(out[0]).isCloseTo(2.75f, within(1e-6f));
    assertThat(out[1]).isCloseTo(3.25f, within(1e-6f));
    assertThat(out[8]).isCloseTo(1.75f, within(1e-6f)); // channel 2, (0, 0): row position 2.0 + 0.25 − 0.5
    // a box of negative predicted size (x1 < x0 after clipping) crops like the empty box at its corner
    float[] negative = new float[s.cropLength()];
    s.sample(ramp(), 0, new Detection(0, 1, 3.5, 2.5, 3.0, 2.0), negative, 0);
    assertThat(negative).containsExactly(out);
  }
}
