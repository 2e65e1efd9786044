package dev.addp.app.run;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.Classifier;
import java.nio.file.Path;

/** The same classifier graph run straight on the sample's pixels with ONNX Runtime: no PNG, no Kafka. */
public final class DirectClassification {
  private DirectClassification() { }

  /** Predicted label of each of the first n images. */
  public static int[] predict(Path modelDir, FashionMnistSample sample, int n, int batch, int threads) throws Exception {
    try (Classifier classifier = new Classifier(modelDir, Device.AUTO, threads)) {
      int len = classifier.preprocessor().inputLength();
      float[] input = new float[batch * len];
      int[] predicted = new int[n];
      for (int start = 0; start < n; start += batch) {
        int m = Math.min(batch, n - start);
        for (int j = 0; j < m; j++) classifier.preprocessor().write(sample.image(start + j), input, j * len);
        float[][] logits = classifier.run(input, m).logits();
        for (int j = 0; j < m; j++) predicted[start + j] = Classifier.argmax(logits[j]);
      }
      return predicted;
    }
  }
}
