package dev.addp.workers.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.Box;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.Mask;
import dev.addp.avro.Task;
import dev.addp.schemas.coco.CocoRle;
import dev.addp.workers.model.ManifestFixtures;
import dev.addp.workers.model.ModelManifest;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hand-built outputs of a 2-class, 16×16 dense model → what a request gets, in original pixels. */
class RecognitionDecoderTest {
  @TempDir Path dir;

  private RecognitionModel.Outputs outputs() {
    float[] presence = {0.2f, 0.9f};
    float[] heat = new float[2 * 16];
    float[] size = new float[2 * 16];
    float[] offset = new float[2 * 16];
    int cell = 1 * 4 + 1;              // grid (1, 1), class 1
    heat[16 + cell] = 0.8f;
    size[cell] = 4;
    size[16 + cell] = 6;
    offset[cell] = 0.5f;
    offset[16 + cell] = 0.5f;          // centre (6, 6) → canvas box (4, 3)–(8, 9)
    float[] seg = new float[3 * 256];
    for (int i = 0; i < 256; i++) seg[i] = 0.9f; // background
    for (int y = 3; y < 9; y++) for (int x = 4; x < 8; x++) paint(seg, x, y, 2);
    for (int y = 10; y < 12; y++) for (int x = 10; x < 12; x++) paint(seg, x, y, 1);
    return new RecognitionModel.Outputs(1, Map.of("presence", presence, "heatmap", heat, "size", size, "offset", offset, "seg", seg));
  }

  private static void paint(float[] seg, int x, int y, int channel) {
    seg[y * 16 + x] = 0.05f;
    seg[channel * 256 + y * 16 + x] = 0.95f;
  }

  private RecognitionDecoder decoder(String classFrom) throws Exception {
    ModelManifest m = ManifestFixtures.write(dir, ManifestFixtures.dense(classFrom));
    return new RecognitionDecoder(m, m.recognitionSpec());
  }

  /** The tiny dense model with a refine stage: 2 item classes + "no item", peak · p, classify from 0.1, paint from 0.3. */
  private RecognitionDecoder refining() throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode m = ManifestFixtures.dense("heatmap");
    ((com.fasterxml.jackson.databind.node.ObjectNode) m.at("/recognition/heads/detection")).set("refine", dev.addp.workers.model.ZooFixtures.JSON.readTree("""
        {"kind": "crop_classifier", "graph": "crops", "input": "crops", "output": "probs", "crop_size": 4, "crop_scale": 1.15,
         "none_class": 2, "score": "peak_times_prob", "min_score": 0.1, "paint_min_score": 0.3}"""));
    ModelManifest manifest = ManifestFixtures.write(dir.resolve("refine"), m);
    return new RecognitionDecoder(manifest, manifest.recognitionSpec());
  }

  private static RecognitionDecoder.Decoded refined(RecognitionDecoder dec, ImageRequest req, float... probs) {
    RecognitionModel.Outputs out = new RecognitionDecoderTest().outputs();
    RecognitionDecoder.FirstStage first = dec.firstStage(out, 0, req);
    return dec.decode(out, 0, req, 16, 16, first, probs, 0);
  }

  @Test
  void theCropRenamesAndRescoresTheBoxAndItsFrameIsPaintedBeforeTheMasks() throws Exception {
    RecognitionDecoder dec = refining();
    ImageRequest all = request(Task.CLASSIFY, Task.DETECT, Task.SEGMENT);
    RecognitionDecoder.FirstStage first = dec.firstStage(outputs(), 0, all);
    assertThat(first.toCrop()).as("the one peak (0.8 ≥ 0.1) is classified").hasSize(1);
    RecognitionDecoder.Decoded d = refined(dec, all, 0.9f, 0.05f, 0.05f); // the crop says "a"
    assertThat(d.boxes()).extracting(Box::getLabel, Box::getScore).containsExactly(org.assertj.core.groups.Tuple.tuple("a", (float) (0.8f * (double) 0.9f)));
    // the box's 24 "b" pixels are painted "a"; the 4 "a" pixels outside it stay "a": one class mask, and the instance
    assertThat(d.masks()).extracting(Mask::getLabel, Mask::getBoxIndex, Mask::getArea)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", -1, 28L), org.assertj.core.groups.Tuple.tuple("a", 0, 24L));
    // SEGMENT alone paints the same: it finds and refines the boxes too, and returns none
    RecognitionDecoder.Decoded segment = refined(dec, request(Task.SEGMENT), 0.9f, 0.05f, 0.05f);
    assertThat(segment.boxes()).isEmpty();
    assertThat(segment.masks()).extracting(Mask::getLabel, Mask::getArea).containsExactly(org.assertj.core.groups.Tuple.tuple("a", 28L));
    // CLASSIFY alone needs no crops
    assertThat(dec.firstStage(outputs(), 0, request(Task.CLASSIFY))).isNull();
  }

  @Test
  void aBoxBelowThePaintScoreLeavesTheMapAndOneBelowTheRequestThresholdIsNotReturned() throws Exception {
    RecognitionDecoder dec = refining();
    // "a" at 0.3 (the best item; "no item" 0.65 is never the label): 0.8 · 0.3 = 0.24 < paint_min_score 0.3
    RecognitionDecoder.Decoded d = refined(dec, request(Task.DETECT, Task.SEGMENT), 0.3f, 0.05f, 0.65f);
    assertThat(d.boxes()).extracting(Box::getLabel).containsExactly("a");
    assertThat(d.masks()).extracting(Mask::getLabel, Mask::getBoxIndex, Mask::getArea)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", -1, 4L), org.assertj.core.groups.Tuple.tuple("b", -1, 24L),
            org.assertj.core.groups.Tuple.tuple("a", 0, 0L));
    ImageRequest strict = request(Task.DETECT);
    strict.setScoreThreshold(0.5f); // the peak 0.8 passes, the refined 0.24 does not
    assertThat(dec.firstStage(outputs(), 0, strict).toCrop()).hasSize(1);
    assertThat(refined(dec, strict, 0.3f, 0.05f, 0.65f).boxes()).isEmpty();
  }

  @Test
  void aRefiningModelDecodedWithoutTheCropsProbabilitiesFailsLoudly() throws Exception {
    RecognitionDecoder dec = refining();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dec.decode(outputs(), 0, request(Task.DETECT), 16, 16))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("crops' probabilities");
  }

  private static ImageRequest request(Task... tasks) {
    return ImageRequest.newBuilder().setRequestId("r").setTasks(List.of(tasks)).build();
  }

  @Test
  void allThreeTasksInOriginalPixels() throws Exception {
    // a 32×32 image: scaled by 1/2 onto the 16×16 canvas, so everything doubles on the way back
    RecognitionDecoder.Decoded d = decoder("heatmap").decode(outputs(), 0, request(Task.CLASSIFY, Task.DETECT, Task.SEGMENT), 32, 32);
    assertThat(d.classifications()).extracting(c -> c.getLabel()).containsExactly("b", "a");
    assertThat(d.boxes()).hasSize(1);
    Box b = d.boxes().get(0);
    assertThat(List.of(b.getLabel(), b.getScore(), b.getX(), b.getY(), b.getWidth(), b.getHeight()))
        .containsExactly("b", 0.8f, 8f, 6f, 8f, 12f);
    assertThat(d.masks()).extracting(Mask::getLabel, Mask::getBoxIndex, Mask::getArea)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("a", -1, 16L), org.assertj.core.groups.Tuple.tuple("b", -1, 96L),
            org.assertj.core.groups.Tuple.tuple("b", 0, 96L));
    Mask instance = d.masks().get(2);
    boolean[] pixels = CocoRle.decode(instance.getCounts(), instance.getHeight(), instance.getWidth());
    assertThat(instance.getHeight()).isEqualTo(32);
    for (int y = 0; y < 32; y++) {
      for (int x = 0; x < 32; x++) {
        boolean inBox = x >= 8 && x < 16 && y >= 6 && y < 18;
        assertThat(pixels[y * 32 + x]).as("pixel %d,%d", x, y).isEqualTo(inBox);
      }
    }
  }

  @Test
  void eachTaskFillsOnlyItsOwnOutputs() throws Exception {
    RecognitionDecoder dec = decoder("heatmap");
    RecognitionDecoder.Decoded detect = dec.decode(outputs(), 0, request(Task.DETECT), 16, 16);
    assertThat(detect.classifications()).isEmpty();
    assertThat(detect.masks()).isEmpty();
    assertThat(detect.boxes()).hasSize(1);
    RecognitionDecoder.Decoded segment = dec.decode(outputs(), 0, request(Task.SEGMENT), 16, 16);
    assertThat(segment.boxes()).isEmpty();
    assertThat(segment.classifications()).isEmpty();
    assertThat(segment.masks()).extracting(Mask::getBoxIndex).containsExactly(-1, -1);
    RecognitionDecoder.Decoded classify = dec.decode(outputs(), 0, request(Task.CLASSIFY), 16, 16);
    assertThat(classify.boxes()).isEmpty();
    assertThat(classify.masks()).isEmpty();
    assertThat(classify.classifications()).hasSize(2);
  }

  @Test
  void aRequestCannotRaiseTheModelsBoxCap() throws Exception {
    com.fasterxml.jackson.databind.node.ObjectNode m = ManifestFixtures.dense("heatmap");
    ((com.fasterxml.jackson.databind.node.ObjectNode) m.at("/recognition/heads/detection")).put("max_detections", 1);
    ModelManifest manifest = ManifestFixtures.write(dir.resolve("cap"), m);
    RecognitionDecoder dec = new RecognitionDecoder(manifest, manifest.recognitionSpec());
    RecognitionModel.Outputs two = outputs();
    float[] heat = two.get("heatmap");
    int other = 3 * 4 + 3;             // a second peak: grid (3, 3), class 0
    heat[other] = 0.7f;
    two.get("size")[other] = 2;
    two.get("size")[16 + other] = 2;
    ImageRequest greedy = request(Task.DETECT);
    greedy.setMaxDetections(1000);
    assertThat(dec.decode(two, 0, greedy, 16, 16).boxes()).hasSize(1);
    greedy.setMaxDetections(0);
    assertThat(dec.decode(two, 0, greedy, 16, 16).boxes()).hasSize(1);
    assertThat(decoder("heatmap").decode(two, 0, greedy, 16, 16).boxes()).as("the same outputs under the usual cap").hasSize(2);
  }

  @Test
  void theRequestRaisesTheThresholdAndCapsTheBoxes() throws Exception {
    RecognitionDecoder dec = decoder("heatmap");
    ImageRequest strict = request(Task.CLASSIFY, Task.DETECT);
    strict.setScoreThreshold(0.85f);
    RecognitionDecoder.Decoded d = dec.decode(outputs(), 0, strict, 16, 16);
    assertThat(d.boxes()).isEmpty();
    assertThat(d.classifications()).extracting(c -> c.getLabel()).containsExactly("b");
  }

  @Test
  void classFromSegmentationRelabelsABoxByTheMajorityInsideIt() throws Exception {
    RecognitionModel.Outputs out = outputs();
    float[] seg = out.get("seg");
    for (int y = 3; y < 9; y++) for (int x = 4; x < 8; x++) {
      seg[2 * 256 + y * 16 + x] = 0f;
      seg[256 + y * 16 + x] = 0.95f; // the box's pixels now say class "a"
    }
    RecognitionDecoder.Decoded d = decoder("segmentation").decode(out, 0, request(Task.DETECT), 16, 16);
    assertThat(d.boxes()).extracting(Box::getLabel).containsExactly("a");
    assertThat(d.boxes().get(0).getScore()).isEqualTo(0.8f);
  }
}
