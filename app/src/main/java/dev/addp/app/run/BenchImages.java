package dev.addp.app.run;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.data.TestScenes;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.RecognitionSpec;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * The images a recognition benchmark sends: the dense test scenes for a model with detection or
 * segmentation heads, the Fashion-MNIST sample for a classifier.
 */
public record BenchImages(String source, int count, IntFunction<BufferedImage> images, List<byte[]> pngs) {
  public static BenchImages of(Path model, Path sample, Path scenesDir, int max) {
    RecognitionSpec.Heads heads = ModelManifest.read(model).recognitionSpec().heads();
    if (heads.detection() != null || heads.segmentation() != null) {
      if (!TestScenes.present(scenesDir)) throw new IllegalArgumentException("no test scenes at " + scenesDir + " for the dense model " + model);
      TestScenes scenes = TestScenes.read(scenesDir);
      int n = Math.min(max, scenes.count());
      List<byte[]> pngs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) pngs.add(scenes.png(i));
      return new BenchImages(scenesDir.toString(), n, scenes::image, pngs);
    }
    FashionMnistSample data = FashionMnistSample.read(sample);
    int n = Math.min(max, data.count());
    List<byte[]> pngs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) pngs.add(data.png(i));
    return new BenchImages(sample.toString(), n, data::image, pngs);
  }

  public BufferedImage image(int i) { return images.apply(i); }
}
