package dev.addp.app.run;

import dev.addp.avro.Task;
import dev.addp.app.data.FashionMnistSample;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.RecognitionModel;
import java.nio.file.Path;
import java.util.Set;

/** The same recognition graph run straight on the sample's pixels with ONNX Runtime: no PNG, no Kafka. */
public final class DirectClassification {
  private DirectClassification() { }

  /** Predicted label of each of the first n images: the class with the largest classification output. */
  public static int[] predict(Path modelDir, FashionMnistSample sample, int n, int batch, int threads) throws Exception {
    try (RecognitionModel model = new RecognitionModel(modelDir, Device.AUTO, threads)) {
      int len = model.preprocessor().inputLength();
      String output = model.spec().heads().classification().output();
      float[] input = new float[batch * len];
      int[] predicted = new int[n];
      for (int start = 0; start < n; start += batch) {
        int m = Math.min(batch, n - start);
        for (int j = 0; j < m; j++) model.preprocessor().write(sample.image(start + j), input, j * len);
        RecognitionModel.Outputs out = model.run(input, m, Set.of(Task.CLASSIFY));
        float[] scores = out.get(output);
        int classes = out.perImage(output);
        for (int j = 0; j < m; j++) predicted[start + j] = argmax(scores, j * classes, classes);
      }
      return predicted;
    }
  }

  private static int argmax(float[] scores, int from, int count) {
    int best = 0;
    for (int i = 1; i < count; i++) if (scores[from + i] > scores[from + best]) best = i;
    return best;
  }
}
