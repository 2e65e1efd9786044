package dev.addp.workers.recognition.heads;

import dev.addp.avro.Classification;
import dev.addp.workers.model.ManifestKinds;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/** Labels from a classification head: softmax over logits (one label per image) or multilabel presence scores. */
public final class Classifications {
  private final List<String> labels;
  private final boolean softmax;

  public Classifications(List<String> labels, ManifestKinds.ClassificationKind kind) {
    this.labels = labels;
    this.softmax = kind == ManifestKinds.ClassificationKind.SOFTMAX;
  }

  /** The k best labels scoring at least {@code threshold}, best first (ties: lower label id). */
  public List<Classification> top(float[] out, int offset, int k, float threshold) {
    int n = labels.size();
    double[] p = new double[n];
    if (softmax) {
      float max = Float.NEGATIVE_INFINITY;
      for (int i = 0; i < n; i++) max = Math.max(max, out[offset + i]);
      double sum = 0;
      for (int i = 0; i < n; i++) sum += p[i] = Math.exp(out[offset + i] - max);
      for (int i = 0; i < n; i++) p[i] /= sum;
    } else {
      for (int i = 0; i < n; i++) p[i] = out[offset + i]; // the graph's own sigmoid probabilities
    }
    List<Classification> result = new ArrayList<>();
    IntStream.range(0, n).boxed()
        .sorted(Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i))
        .limit(Math.max(0, k))
        .filter(i -> (float) p[i] >= threshold)
        .forEach(i -> result.add(new Classification(i, labels.get(i), (float) p[i])));
    return result;
  }
}
