package dev.addp.workers.generation;

/**
 * The all-masked logits of a label under classifier-free guidance, from the constants gen_step
 * gives with guidance 0. The arithmetic is float32 in exactly the graph's order
 * (d = c_label - c_none; s = w * d; c_label + s): the Java loop matches the graph's own all-masked run
 * to rounding (a batch of one rounds the decoder's sums its own way).
 */
final class GuidedLogits {
  private GuidedLogits() { }

  /** c_label itself when w is 0 or the label is "none" (no copy); otherwise a new array. */
  static float[] allMasked(float[] label, float[] none, float w) {
    if (w == 0f || label == none) return label;
    float[] out = new float[label.length];
    for (int i = 0; i < out.length; i++) {
      float d = label[i] - none[i];
      float s = w * d;
      out[i] = label[i] + s;
    }
    return out;
  }
}
