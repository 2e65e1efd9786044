package dev.addp.workers.generation;

/**
 * The per-position arithmetic of one loop step, on flat arrays and without allocation (it runs for
 * every position of every image at every step). The numerics follow the Python reference exactly:
 * float32 softmax, float64 inverse-CDF sampling, float64 Gumbel confidence, stable bottom-k.
 */
public final class StepKernel {
  private StepKernel() { }

  /** p[off..off+k) = softmax(logits[off..off+k) / temperature), in float32. */
  public static void softmax(float[] logits, float[] p, int off, int k, float temperature) {
    float max = Float.NEGATIVE_INFINITY;
    for (int i = off; i < off + k; i++) max = Math.max(max, logits[i] / temperature);
    float sum = 0f;
    for (int i = off; i < off + k; i++) {
      float e = (float) Math.exp(logits[i] / temperature - max);
      p[i] = e;
      sum += e;
    }
    for (int i = off; i < off + k; i++) p[i] /= sum;
  }

  /** Inverse-CDF draw: the first index whose float64 cumulative sum exceeds u·total. */
  public static int sample(float[] p, int off, int k, double u) {
    double total = 0;
    for (int i = off; i < off + k; i++) total += p[i];
    double target = u * total;
    double cdf = 0;
    for (int i = 0; i < k; i++) {
      cdf += p[off + i];
      if (cdf > target) return i;
    }
    return k - 1;
  }

  /** Gumbel(0,1) noise from a uniform in [0,1). */
  public static double gumbel(double u) { return -Math.log(-Math.log(Math.max(u, 1e-20))); }

  /**
   * Marks in {@code mask} the {@code n} positions with the smallest confidence (1 = stays masked),
   * ties to the lower index. A partial selection sort over an index scratch array: N is small
   * (64 to 256) and this avoids boxing a comparator sort.
   */
  public static void bottomK(double[] confidence, int n, float[] mask, int maskOff, int[] order) {
    int len = confidence.length;
    for (int i = 0; i < len; i++) order[i] = i;
    for (int i = 0; i < n; i++) {
      int best = i;
      for (int j = i + 1; j < len; j++) {
        int a = order[j];
        int b = order[best];
        if (confidence[a] < confidence[b] || (confidence[a] == confidence[b] && a < b)) best = j;
      }
      int t = order[i];
      order[i] = order[best];
      order[best] = t;
    }
    for (int i = 0; i < len; i++) mask[maskOff + i] = 0f;
    for (int i = 0; i < n; i++) mask[maskOff + order[i]] = 1f;
  }
}
