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
 * The dense model's refine block against the real crop graph's session: the committed form loads
 * (and SEGMENT then needs the boxes too); an unknown kind or score mode, a missing graph, a tensor
 * the crop graph does not have or of another shape stops start-up naming the field.
 */
class RefineContractTest {
  @TempDir Path tmp;
  private int copies;

  private Path edited(Consumer<ObjectNode> edit) throws Exception {
    return ManifestFixtures.copyWith(ZooFixtures.denseModelDir(), tmp.resolve("m" + copies++), edit);
  }

  private static Consumer<ObjectNode> refine(Consumer<ObjectNode> edit) {
    return m -> edit.accept((ObjectNode) m.at("/recognition/heads/detection/refine"));
  }

  @Test
  void theCommittedRefineBlockLoadsAndSegmentationThenNeedsTheBoxes() throws Exception {
    try (RecognitionModel model = new RecognitionModel(ZooFixtures.denseModelDir(), Device.CPU, 1)) {
      assertThat(model.refine()).isNotNull();
      assertThat(model.refine().kind()).isEqualTo("crop_classifier");
      assertThat(model.tasks()).containsExactlyInAnyOrder(Task.CLASSIFY, Task.DETECT, Task.SEGMENT);
      assertThat(model.outputsFor(Set.of(Task.SEGMENT))).contains("heatmap", "size", "offset", "seg");
      assertThat(model.outputsFor(Set.of(Task.CLASSIFY))).containsExactly("presence");
    }
  }

  @Test
  void anUnknownKindOrScoreModeFails() throws Exception {
    assertFails(refine(r -> r.put("kind", "box_regressor")),
        "manifest.json recognition.heads.detection.refine.kind is 'box_regressor'; allowed: one of [crop_classifier]");
    assertFails(refine(r -> r.put("score", "peak_plus_prob")),
        "recognition.heads.detection.refine.score is 'peak_plus_prob'; allowed: one of [peak, peak_times_prob, peak_times_item, sqrt_peak_times_prob]");
    assertFails(refine(r -> r.put("none_class", 3)), "recognition.heads.detection.refine.none_class is 3; allowed: 10 (after the 10 labels)");
    assertFails(refine(r -> r.put("paint_min_score", 1.5)), "recognition.heads.detection.refine.paint_min_score is 1.5; allowed: a score in [0, 1]");
  }

  @Test
  void aMissingCropGraphFails() throws Exception {
    assertFails(m -> ((ObjectNode) m.get("graphs")).remove("crops"),
        "recognition.heads.detection.refine.graph is 'crops'; allowed: a key of graphs other than recognition.graph: [dense]");
    assertFails(refine(r -> r.put("graph", "dense")), "recognition.heads.detection.refine.graph is 'dense'; allowed: a key of graphs other than");
  }

  @Test
  void aTensorTheCropGraphDoesNotHaveOrOfAnotherShapeFails() throws Exception {
    assertFails(refine(r -> r.put("input", "images")),
        "recognition.heads.detection.refine.input names 'images', which graph 'crops' does not have; allowed: one of [crops]");
    assertFails(refine(r -> r.put("output", "logits")),
        "recognition.heads.detection.refine.output names 'logits', which graph 'crops' does not output; allowed: one of [probs]");
    assertFails(refine(r -> r.put("crop_size", 48)),
        "recognition.heads.detection.refine.input names 'crops' of shape [-1, 3, 32, 32] in the graph; allowed: shape [any, 3, 48, 48]");
  }

  private void assertFails(Consumer<ObjectNode> edit, String message) throws Exception {
    Path dir = edited(edit);
    assertThatThrownBy(() -> new RecognitionModel(dir, Device.CPU, 1).close())
        .isInstanceOf(ModelContractException.class).hasMessageContaining(message);
  }
}
