package dev.addp.workers.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.Box;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.Task;
import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.onnx.Device;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The recognition sequence on the committed dense model and test scenes: a batch answers each image as it would alone. */
class RecognitionPipelineTest {
  private static RecognitionModel dense;
  private static List<float[]> scenes;

  @BeforeAll
  static void load() throws Exception {
    dense = new RecognitionModel(ZooFixtures.denseModelDir(), Device.CPU, 1);
    scenes = List.of(ZooFixtures.scenePixels(4));
  }

  @AfterAll
  static void close() throws Exception { dense.close(); }

  private static List<ImageRequest> requests(int n, Task... tasks) {
    return Collections.nCopies(n, ImageRequest.newBuilder().setRequestId("r").setTasks(List.of(tasks)).setTopK(3).build());
  }

  private static List<String> labels(RecognitionDecoder.Decoded d) { return d.boxes().stream().map(Box::getLabel).toList(); }

  @Test
  void aBatchRunsTheModelAndTheCropGraphOnceAndAnswersEachImageAsItWouldAlone() throws Exception {
    RecognitionPipeline pipeline = new RecognitionPipeline(dense);
    long runs = dense.runs();
    List<ImageRequest> reqs = requests(4, Task.DETECT, Task.SEGMENT);
    RecognitionPipeline.Batch batch = pipeline.run(scenes, reqs);
    assertThat(dense.runs() - runs).as("one run of the dense graph").isEqualTo(1);
    assertThat(batch.crops()).as("candidate boxes classified by the crop graph").isPositive();
    assertThat(batch.cropNanos()).isPositive();
    for (int i = 0; i < 4; i++) {
      RecognitionDecoder.Decoded together = pipeline.decode(batch.images().get(i), reqs.get(i), 64, 64);
      RecognitionPipeline.Batch one = pipeline.run(List.of(scenes.get(i)), List.of(reqs.get(i)));
      RecognitionDecoder.Decoded alone = pipeline.decode(one.images().get(0), reqs.get(i), 64, 64);
      assertThat(together.boxes()).as("scene " + i + " has boxes").isNotEmpty();
      assertThat(labels(together)).as("scene " + i).isEqualTo(labels(alone));
      for (int k = 0; k < together.boxes().size(); k++) {
        assertThat(together.boxes().get(k).getScore()).as("scene " + i + " box " + k)
            .isCloseTo(alone.boxes().get(k).getScore(), org.assertj.core.data.Offset.offset(1e-3f));
      }
      assertThat(together.masks()).hasSameSizeAs(alone.masks());
    }
  }

  @Test
  void requestsWithoutBoxesOrMasksCostNoCropRun() throws Exception {
    RecognitionPipeline pipeline = new RecognitionPipeline(dense);
    List<ImageRequest> reqs = requests(2, Task.CLASSIFY);
    RecognitionPipeline.Batch batch = pipeline.run(scenes.subList(0, 2), reqs);
    assertThat(batch.crops()).isZero();
    assertThat(batch.cropNanos()).isZero();
    assertThat(pipeline.decode(batch.images().get(0), reqs.get(0), 64, 64).classifications()).hasSize(3);
  }
}
