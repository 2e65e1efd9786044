package dev.addp.app.run;

import dev.addp.platform.config.Settings;
import dev.addp.app.data.TestScenes;
import dev.addp.app.eval.DenseScore;
import dev.addp.avro.Task;
import dev.addp.platform.config.AddpConfig;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dense part of the demo: a worker serving the dense model (its own requests topic, routed by
 * model name), a sample of the test scenes sent with all three tasks, and what came back scored
 * (box AP, mask mIoU) and drawn ({@code overlays.png}).
 */
public final class DenseDemo {
  private static final List<Task> ALL_TASKS = List.of(Task.CLASSIFY, Task.DETECT, Task.SEGMENT);
  private static final int OVERLAY_CELLS = 24;

  private DenseDemo() { }

  /** Why the dense part cannot run here, or null when it can. */
  public static String missing(Path modelDir, Path scenesDir) {
    if (!Files.isRegularFile(modelDir.resolve("manifest.json"))) return "no dense model at " + modelDir;
    if (!TestScenes.present(scenesDir)) return "no test scenes at " + scenesDir;
    return null;
  }

  /** The config setting that gives the dense model its own requests topic (to set before the stack starts). */
  public static String modelName(Path modelDir) { return ModelManifest.read(modelDir).name(); }

  public static Map<String, Object> run(AddpConfig config, Path modelDir, Path scenesDir, int count, Path out) throws Exception {
    TestScenes scenes = TestScenes.read(scenesDir);
    int n = Math.min(count, scenes.count());
    Map<String, Object> figures = new LinkedHashMap<>();
    try (RecognitionService worker = RecognitionService.start(config.with("model.dir", modelDir.toString())
        .with(AddpConfig.WORKER_ID, config.get(Settings.WORKER_ID, "demo") + "-dense"))) {
      worker.awaitReady(Duration.ofSeconds(60));
      String model = worker.model().lineage().getName();
      System.err.printf("sending %d test scenes with tasks %s to %s%n", n, ALL_TASKS, model);
      List<byte[]> pngs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) pngs.add(scenes.png(i));
      RecognitionRoundTrip.Outcome o = new RecognitionRoundTrip(config).run("scenes-test", n,
          i -> new RecognitionRoundTrip.Item(id(i), pngs.get(i), Map.of(), model, ALL_TASKS), Duration.ofMinutes(10), true);
      DenseScore score = DenseScore.of(scenes, n, i -> o.results().get(id(i)));
      List<Overlays.Item> cells = new ArrayList<>();
      for (int i = 0; i < Math.min(OVERLAY_CELLS, n); i++) cells.add(new Overlays.Item(scenes.image(i), o.results().get(id(i))));
      float minBoxScore = Overlays.minDrawnScore(worker.model().refine());
      if (!cells.isEmpty()) Overlays.write(cells, 6, 4, minBoxScore, out.resolve("overlays.png"));
      figures.put("dense_images", n);
      figures.put("overlays_min_box_score", minBoxScore);
      figures.put("dense_results", o.results().size());
      figures.put("dense_dead_letters", o.deadLetters().size());
      figures.put("det_ap50", score.ap50());
      figures.put("det_ap", score.ap());
      figures.put("det_ap75", score.ap75());
      figures.put("seg_miou", score.miou());
      figures.put("dense_throughput_ips", o.throughputPerSecond());
      figures.put("dense_model_runs", worker.model().runs());
      figures.put("dense_images_run", worker.model().imagesRun());
      // the refine stage's crop graph: at most one run per batch, apart from the encoder passes above
      figures.put("dense_crop_runs", worker.model().cropRuns());
      figures.put("dense_crops_classified", worker.model().cropsRun());
      figures.put("dense_mean_boxes", o.results().values().stream().mapToInt(r -> r.getBoxes().size()).average().orElse(0));
      figures.put("dense_model", Map.of("name", model, "version", worker.model().lineage().getVersion(),
          "sha256", worker.model().lineage().getSha256()));
    }
    return figures;
  }

  private static String id(int i) { return "scene-" + (i + 1); }

}
