package dev.addp.workers.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.addp.avro.Task;
import dev.addp.workers.model.ManifestFixtures;
import dev.addp.workers.model.RecognitionContract.ModelContractException;
import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.onnx.Device;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manifest is checked against the real ONNX session of the committed classifier: its
 * recognition block serves CLASSIFY; a missing block, anything unknown or not in the graph stops
 * start-up with a message naming the field and what is allowed.
 */
class RecognitionModelContractTest {
  @TempDir Path tmp;
  private int copies;

  private Path edited(Consumer<ObjectNode> edit) throws Exception {
    return ManifestFixtures.copyWith(ZooFixtures.modelDir(), tmp.resolve("m" + copies++), edit);
  }

  private static final String EXPLICIT = """
      {"graph": "classifier", "input": "pixels", "heads": {"classification": {"kind": "softmax", "output": "logits"}}}""";

  private static Consumer<ObjectNode> recognition(String json) {
    return m -> {
      try {
        m.set("recognition", ZooFixtures.JSON.readTree(json));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    };
  }

  @Test
  void aManifestWithoutARecognitionBlockFailsInOneLine() throws Exception {
    String version = ZooFixtures.json(ZooFixtures.modelDir().resolve("manifest.json")).get("version").asText();
    assertFails(m -> m.remove("recognition"),
        "model addp-fmnist " + version + ": manifest.json has no recognition block; allowed: a recognition block naming the graph, its input and its heads");
  }

  @Test
  void theCommittedClassifierRunsOncePerBatch() throws Exception {
    try (RecognitionModel model = new RecognitionModel(ZooFixtures.modelDir(), Device.CPU, 1)) {
      assertThat(model.spec().graph()).isEqualTo("classifier");
      int len = model.preprocessor().inputLength();
      float[] input = new float[2 * len];
      for (int i = 0; i < input.length; i++) input[i] = (i * 7919 % 1000) / 1000f;
      RecognitionModel.Outputs out = model.run(input, 2, Set.of(Task.CLASSIFY));
      assertThat(model.runs()).isEqualTo(1);
      assertThat(model.imagesRun()).isEqualTo(2);
      assertThat(out.perImage("logits")).isEqualTo(model.manifest().labels().size());
    }
  }

  /** Closing under runs in progress waits for them (a session closed under a run crashes the JVM); later runs are refused. */
  @Test
  void closeWaitsForTheRunsInProgressAndLaterRunsAreRefused() throws Exception {
    RecognitionModel model = new RecognitionModel(ZooFixtures.modelDir(), Device.CPU, 1);
    float[] input = new float[8 * model.preprocessor().inputLength()];
    java.util.concurrent.ExecutorService runners = java.util.concurrent.Executors.newFixedThreadPool(4);
    java.util.List<java.util.concurrent.Future<String>> runs = new java.util.ArrayList<>();
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(4);
    for (int i = 0; i < 4; i++) {
      runs.add(runners.submit(() -> {
        started.countDown();
        String outcome = "none";
        for (int k = 0; k < 20; k++) {
          try {
            model.run(input, 8, Set.of(Task.CLASSIFY));
            outcome = "ran";
          } catch (IllegalStateException refused) {
            return outcome + ", then refused: " + refused.getMessage();
          }
        }
        return outcome;
      }));
    }
    started.await();
    model.close();
    for (java.util.concurrent.Future<String> run : runs) assertThat(run.get()).matches("(ran|none)(, then refused: .* is closed)?");
    runners.shutdown();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> model.run(input, 8, Set.of(Task.CLASSIFY)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("is closed");
    model.close(); // twice is harmless
  }

  @Test
  void theExplicitClassifierBlockServesClassify() throws Exception {
    try (RecognitionModel model = new RecognitionModel(edited(recognition(EXPLICIT)), Device.CPU, 1)) {
      assertThat(model.tasks()).containsExactly(Task.CLASSIFY);
      assertThat(model.outputsFor(Set.of(Task.CLASSIFY))).containsExactly("logits");
    }
  }

  @Test
  void anUnknownHeadKindFailsNamingTheFieldAndTheAllowedValues() throws Exception {
    assertFails(recognition(EXPLICIT.replace("\"softmax\"", "\"softmax2\"")),
        "model addp-fmnist " + dev.addp.workers.model.ModelManifest.read(ZooFixtures.modelDir()).version()
            + ": manifest.json recognition.heads.classification.kind is 'softmax2'; allowed: one of [softmax, multilabel]");
    assertFails(recognition("""
        {"graph": "classifier", "input": "pixels", "heads": {"panoptic": {"kind": "x"}}}"""),
        "recognition.heads names no head; allowed: at least one of classification, detection, segmentation");
    assertFails(recognition("""
        {"graph": "classifier", "input": "pixels", "heads": {"detection": {"kind": "yolo"}}}"""),
        "recognition.heads.detection.kind is 'yolo'; allowed: one of [centernet]");
  }

  @Test
  void aTensorTheGraphDoesNotHaveFails() throws Exception {
    assertFails(recognition(EXPLICIT.replace("\"logits\"", "\"scores\"")),
        "recognition.heads.classification.output names 'scores', which the graph does not output; allowed: one of [");
    assertFails(recognition(EXPLICIT.replace("\"input\": \"pixels\"", "\"input\": \"image\"")),
        "recognition.input names 'image', which the graph does not have; allowed: one of [pixels]");
    assertFails(recognition(EXPLICIT.replace("\"logits\"", "\"features\"")),
        "recognition.heads.classification.output names 'features' of shape [-1, 128] in the graph; allowed: shape [any, 10]");
    assertFails(recognition(EXPLICIT.replace("\"classifier\"", "\"dense\"")),
        "recognition.graph is 'dense'; allowed: a key of graphs: [");
    assertFails(recognition("""
        {"graph": "classifier", "input": "pixels", "heads": {"detection": {"kind": "centernet", "heatmap": "heatmap",
          "size": "size", "offset": "offset", "stride": 4, "peak_kernel": 3, "max_detections": 100, "min_score": 0.05,
          "nms_iou": 0.5, "size_unit": "input_pixels", "class_from": "heatmap"}}}"""),
        "recognition.heads.detection.heatmap names 'heatmap', which the graph does not output");
  }

  @Test
  void preprocessingThePreprocessorDoesNotImplementFails() throws Exception {
    assertFails(m -> ((ObjectNode) m.get("preprocess")).put("interpolation", "bicubic"),
        "manifest.json preprocess.interpolation is 'bicubic'; allowed: one of [bilinear]");
    assertFails(m -> ((ObjectNode) m.get("preprocess")).put("mode", "stretch"),
        "preprocess.mode is 'stretch'; allowed: one of [pad, resize_center_crop]");
    assertFails(m -> ((ObjectNode) m.get("preprocess")).put("channels", "bgr"),
        "preprocess.channels is 'bgr'; allowed: one of [rgb]");
    assertFails(m -> ((ObjectNode) m.get("preprocess")).put("size", 64),
        "recognition.input names 'pixels' of shape [-1, 3, 32, 32] in the graph; allowed: shape [any, 3, 64, 64]");
  }

  private void assertFails(Consumer<ObjectNode> edit, String message) throws Exception {
    Path dir = edited(edit);
    assertThatThrownBy(() -> new RecognitionModel(dir, Device.CPU, 1).close())
        .isInstanceOf(ModelContractException.class).hasMessageContaining(message);
  }
}
