package dev.addp.workers.generation;

/**
 * The loop state of one image being generated: token ids, the mask (1 = unreliable), this step's
 * token distribution, the logits for the next step, the latest pixels, and scratch buffers.
 */
public final class ImageTrack {
  final LoopSettings settings;
  final Uniforms uniforms;
  final long[] ids;
  final float[] mask;
  final float[] probs;
  final float[] logits;
  final float[] pixels;
  final double[] uSample;
  final double[] uGumbel;
  final double[] confidence;
  final int[] order;
  /** True while every position is masked: the next logits are then the model's constant all-masked logits. */
  boolean allMasked = true;
  int step;

  public ImageTrack(LoopSettings settings, Uniforms uniforms, int tokens, int codebookSize, int pixelCount) {
    this.settings = settings;
    this.uniforms = uniforms;
    this.ids = new long[tokens];
    this.mask = new float[tokens];
    java.util.Arrays.fill(mask, 1f);
    this.probs = new float[tokens * codebookSize];
    this.logits = new float[tokens * codebookSize];
    this.pixels = new float[pixelCount];
    this.uSample = new double[tokens];
    this.uGumbel = new double[tokens];
    this.confidence = new double[tokens];
    this.order = new int[tokens];
  }

  public int step() { return step; }

  public boolean done() { return step >= settings.steps(); }

  public LoopSettings settings() { return settings; }

  /** Token ids, row-major (meaningful where the mask is 0). */
  public long[] ids() { return ids; }

  /** 1 where the position is still unreliable (rendered from its soft embedding). */
  public float[] mask() { return mask; }

  /** The latest decoded image, CHW in [0,1]. */
  public float[] pixels() { return pixels; }
}
