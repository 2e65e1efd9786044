package dev.addp.app.eval;

/**
 * Mean IoU of semantic maps (DENSE_CONTRACT.md): per class (background included), the sum over all
 * images of |pred ∩ gt| over the sum of |pred ∪ gt|, averaged over the classes present in the
 * ground truth or the prediction.
 */
public final class SemanticIou {
  private final long[] intersection;
  private final long[] union;

  /** {@code channels}: background + classes. */
  public SemanticIou(int channels) {
    intersection = new long[channels];
    union = new long[channels];
  }

  /** One image's predicted and true label maps, the same size (0 = background, 1 + c = class c). */
  public void add(int[] predicted, int[] truth) {
    if (predicted.length != truth.length) throw new IllegalArgumentException("maps differ in size: " + predicted.length + " vs " + truth.length);
    for (int i = 0; i < truth.length; i++) {
      int p = predicted[i];
      int t = truth[i];
      if (p == t) {
        intersection[p]++;
        union[p]++;
      } else {
        union[p]++;
        union[t]++;
      }
    }
  }

  public double iou(int channel) { return union[channel] == 0 ? Double.NaN : (double) intersection[channel] / union[channel]; }

  public double mean() {
    double sum = 0;
    int n = 0;
    for (int c = 0; c < union.length; c++) {
      if (union[c] > 0) {
        sum += iou(c);
        n++;
      }
    }
    return n == 0 ? 0 : sum / n;
  }
}
