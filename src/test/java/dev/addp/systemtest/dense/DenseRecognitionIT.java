package dev.addp.systemtest.dense;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.addp.app.data.TestScenes;
import dev.addp.app.eval.DenseScore;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.Mask;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.Task;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.processors.ingest.IngestTopology;
import dev.addp.processors.streams.StreamsRunner;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.WorkerProcess;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.RecognitionContract.ModelContractException;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dense model served through a real broker and registry: every test scene sent as a PNG with
 * all three tasks, the results read back read_committed and scored in Java against the figures the
 * Python export computed on the same scenes (with the refine stage: the crop graph at most once per
 * batch); every mix of tasks gets exactly its outputs from one encoder pass per image (counted); a
 * task the model has no head for, or an unknown model, is a typed dead letter; a manifest naming an
 * unknown head kind, refine kind or tensor stops start-up.
 *
 * <p>Skipped (with the reason) where the dense model or the scenes are not in the checkout.
 */
class DenseRecognitionIT {
  private static final double AGREEMENT = 0.005;
  private static ModelManifest dense;

  @TempDir Path tmp;

  @BeforeAll
  static void denseModelPresent() {
    Path dir = TestModels.denseModelDir();
    assumeTrue(Files.isRegularFile(dir.resolve("manifest.json")), "no dense model at " + dir.toAbsolutePath());
    assumeTrue(TestScenes.present(TestModels.scenesDir()), "no test scenes at " + TestModels.scenesDir().toAbsolutePath());
    dense = ModelManifest.read(dir);
  }

  private AddpConfig config() {
    AddpConfig base = SharedEmbeddedStack.get().config().with(Topics.ROUTED_MODELS, dense.name())
        .with("recognition.batch.size", "32").with("model.intra.op.threads", "2");
    return TestTopics.isolate(base, "dense", 2);
  }

  @Test
  void theTestScenesThroughKafkaScoreWhatThePythonExportMeasuredAndEveryImageRunsOnce() throws Exception {
    TestScenes scenes = TestScenes.read(TestModels.scenesDir());
    assertThat(scenes.count()).isGreaterThanOrEqualTo(1000);
    AddpConfig config = config();
    try (StreamsRunner ingest = ingest(config);
         RecognitionService worker = RecognitionService.start(config.with("model.dir", TestModels.denseModelDir().toString())
             .with("worker.id", "dense-eval"))) {
      worker.awaitReady(Duration.ofSeconds(60));
      List<Task> all = List.of(Task.CLASSIFY, Task.DETECT, Task.SEGMENT);
      RecognitionRoundTrip.Outcome o = new RecognitionRoundTrip(config).run("scenes-test", scenes.count(),
          i -> new RecognitionRoundTrip.Item(id(i), scenes.png(i), Map.of(), dense.name(), all), Duration.ofMinutes(15), false);
      assertThat(o.deadLetters()).isEmpty();
      assertThat(o.results()).hasSize(scenes.count());
      assertThat(worker.model().imagesRun()).as("one encoder pass per image").isEqualTo(scenes.count());
      assertThat(worker.model().cropRuns()).as("crop-graph runs: some, at most one per dense run")
          .isPositive().isLessThanOrEqualTo(worker.model().runs());

      JsonNode python = new ObjectMapper().readTree(TestModels.scenesDir().resolve("eval.json").toFile());
      // the Python figures are over the first eval.json "scenes" scenes (all of them unless it says fewer)
      int scored = Math.min(scenes.count(), python.path("scenes").asInt(scenes.count()));
      DenseScore score = DenseScore.of(scenes, scored, i -> o.results().get(id(i)));
      System.out.printf("%d scenes through Kafka, %d scored: AP %.4f AP50 %.4f AP75 %.4f mIoU %.4f; Python: AP %.4f AP50 %.4f mIoU %.4f;"
              + " %d dense runs, %d crop runs, %d crops%n",
          scenes.count(), scored, score.ap(), score.ap50(), score.ap75(), score.miou(), figure(python, "ap"), figure(python, "ap50"),
          figure(python, "miou"), worker.model().runs(), worker.model().cropRuns(), worker.model().cropsRun());
      assertThat(score.ap()).isCloseTo(figure(python, "ap"), within(AGREEMENT));
      assertThat(score.ap50()).isCloseTo(figure(python, "ap50"), within(AGREEMENT));
      assertThat(score.miou()).isCloseTo(figure(python, "miou"), within(AGREEMENT));
    }
  }

  @Test
  void everyMixOfTasksGetsExactlyItsOutputsFromOneEncoderPassEach() throws Exception {
    TestScenes scenes = TestScenes.read(TestModels.scenesDir());
    AddpConfig config = config();
    List<Set<Task>> mixes = new ArrayList<>();
    for (int bits = 1; bits < 8; bits++) {
      EnumSet<Task> mix = EnumSet.noneOf(Task.class);
      for (Task t : Task.values()) if ((bits & (1 << t.ordinal())) != 0) mix.add(t);
      mixes.add(mix);
    }
    int perMix = 8;
    int n = mixes.size() * perMix;
    try (StreamsRunner ingest = ingest(config);
         RecognitionService worker = RecognitionService.start(config.with("model.dir", TestModels.denseModelDir().toString())
             .with("worker.id", "dense-mix"));
         RecognitionService classifier = RecognitionService.start(config.with("model.dir", TestModels.modelDir().toString())
             .with("worker.id", "classifier"))) {
      worker.awaitReady(Duration.ofSeconds(60));
      classifier.awaitReady(Duration.ofSeconds(60));
      RecognitionRoundTrip.Outcome o = new RecognitionRoundTrip(config).run("mix", n + 2, i -> {
        if (i == n) return new RecognitionRoundTrip.Item("classifier-detect", scenes.png(0), Map.of(), null, List.of(Task.DETECT));
        if (i == n + 1) return new RecognitionRoundTrip.Item("unknown-model", scenes.png(0), Map.of(), "no-such-model", List.of(Task.CLASSIFY));
        return new RecognitionRoundTrip.Item("mix-" + i, scenes.png(i), Map.of(), dense.name(), List.copyOf(mixes.get(i / perMix)));
      }, Duration.ofMinutes(5), false);
      assertThat(o.results()).hasSize(n);
      assertThat(worker.model().imagesRun()).as("one encoder pass per image, whatever the mix").isEqualTo(n);
      assertThat(worker.model().cropRuns()).as("crop-graph runs: at most one per dense run").isLessThanOrEqualTo(worker.model().runs());
      int boxes = 0;
      for (int i = 0; i < n; i++) {
        Set<Task> mix = mixes.get(i / perMix);
        RecognitionResult r = o.results().get("mix-" + i);
        assertThat(r.getModel().getName()).isEqualTo(dense.name());
        assertThat(r.getClassifications().isEmpty()).as("classifications of %s", mix).isEqualTo(!mix.contains(Task.CLASSIFY));
        if (!mix.contains(Task.DETECT)) assertThat(r.getBoxes()).as("boxes of %s", mix).isEmpty();
        boxes += r.getBoxes().size();
        List<Mask> perClass = r.getMasks().stream().filter(m -> m.getBoxIndex() == -1).toList();
        List<Mask> instances = r.getMasks().stream().filter(m -> m.getBoxIndex() >= 0).toList();
        if (!mix.contains(Task.SEGMENT)) assertThat(r.getMasks()).as("masks of %s", mix).isEmpty();
        else assertThat(perClass).as("per-class masks of %s", mix).isNotEmpty();
        if (mix.contains(Task.SEGMENT) && mix.contains(Task.DETECT)) {
          assertThat(instances).extracting(Mask::getBoxIndex).as("one instance mask per box")
              .containsExactlyElementsOf(java.util.stream.IntStream.range(0, r.getBoxes().size()).boxed().toList());
          for (Mask m : instances) assertThat(m.getLabelId()).isEqualTo(r.getBoxes().get(m.getBoxIndex()).getLabelId());
        } else {
          assertThat(instances).isEmpty();
        }
        for (Mask m : r.getMasks()) {
          assertThat(m.getArea()).isEqualTo(dev.addp.schemas.coco.CocoRle.area(m.getCounts()));
          assertThat(List.of(m.getWidth(), m.getHeight())).containsExactly(r.getImage().getWidth(), r.getImage().getHeight());
        }
      }
      assertThat(boxes).as("the scenes hold 1-4 objects each: DETECT finds some").isPositive();
      DeadLetter noHead = o.deadLetters().get("classifier-detect");
      assertThat(noHead.getErrorType()).isEqualTo(ErrorType.INVALID_REQUEST);
      assertThat(noHead.getMessage()).contains("DETECT").contains("addp-fmnist");
      assertThat(o.deadLetters().get("unknown-model").getErrorType()).isEqualTo(ErrorType.UNKNOWN_MODEL);
    }
  }

  @Test
  void aManifestNamingAnUnknownHeadKindOrTensorStopsStartUp() throws Exception {
    AddpConfig config = config();
    Path badKind = copyWith("kind", m -> ((ObjectNode) m.at("/recognition/heads/segmentation")).put("kind", "panoptic"));
    assertThatThrownBy(() -> RecognitionService.start(config.with("model.dir", badKind.toString())).close())
        .isInstanceOf(ModelContractException.class)
        .hasMessageContaining("manifest.json recognition.heads.segmentation.kind is 'panoptic'; allowed: one of [semantic]");
    Path badTensor = copyWith("tensor", m -> ((ObjectNode) m.at("/recognition/heads/detection")).put("heatmap", "centres"));
    assertThatThrownBy(() -> RecognitionService.start(config.with("model.dir", badTensor.toString())).close())
        .isInstanceOf(ModelContractException.class)
        .hasMessageContaining("recognition.heads.detection.heatmap names 'centres', which the graph does not output");
    Path badRefine = copyWith("refine", m -> ((ObjectNode) m.at("/recognition/heads/detection/refine")).put("kind", "box_regressor"));
    assertThatThrownBy(() -> RecognitionService.start(config.with("model.dir", badRefine.toString())).close())
        .isInstanceOf(ModelContractException.class)
        .hasMessageContaining("manifest.json recognition.heads.detection.refine.kind is 'box_regressor'; allowed: one of [crop_classifier]");
    // the command line says it in one line, without a stack trace, and exits
    try (WorkerProcess serve = WorkerProcess.start("recognition", config.with("model.dir", badKind.toString()))) {
      assertThat(serve.awaitExit(Duration.ofSeconds(120))).as("exit code; log:\n%s", serve.log()).hasValue(2);
      assertThat(serve.log()).contains("addp serve: model " + dense.name())
          .contains("recognition.heads.segmentation.kind is 'panoptic'; allowed: one of [semantic]").doesNotContain("\tat ");
    }
  }

  private Path copyWith(String name, java.util.function.Consumer<ObjectNode> edit) throws Exception {
    Path target = tmp.resolve(name);
    Files.createDirectories(target);
    try (var files = Files.list(TestModels.denseModelDir())) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().endsWith(".onnx")) Files.createSymbolicLink(target.resolve(f.getFileName()), f.toAbsolutePath());
      }
    }
    ObjectMapper json = new ObjectMapper();
    ObjectNode m = (ObjectNode) json.readTree(TestModels.denseModelDir().resolve("manifest.json").toFile());
    edit.accept(m);
    json.writeValue(target.resolve("manifest.json").toFile(), m);
    return target;
  }

  private static StreamsRunner ingest(AddpConfig config) {
    return new StreamsRunner(IngestTopology.build(config, AvroSerdes.from(config)),
        new KafkaClients(config).streams(IngestTopology.applicationId(config))).start();
  }

  private static String id(int i) { return "scene-" + (i + 1); }

  /** A figure from eval.json, at the top level or under "detection"/"segmentation". */
  private static double figure(JsonNode eval, String key) {
    for (String path : List.of("/" + key, "/detection/" + key, "/segmentation/" + key, "/boxes/" + key, "/masks/" + key)) {
      JsonNode v = eval.at(path);
      if (v.isNumber()) return v.asDouble();
    }
    throw new AssertionError("eval.json has no '" + key + "': " + eval);
  }
}
