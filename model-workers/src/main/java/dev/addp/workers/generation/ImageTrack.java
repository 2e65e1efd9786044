package dev.addp.workers.generation;

/**
 * The loop state of one image being generated or edited: token ids, the mask (1 = unreliable),
 * this step's token distribution, the logits for the next step, the latest pixels, and scratch
 * buffers. An edit first needs one model run on its source (see {@link #primed}) before step 0.
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
  final int label;
  final float guidance;
  final boolean edit;
  /** Tokens of an edit's region (what its schedule counts down from). */
  final int regionSize;
  /**
   * True while every position of a generated image is masked: the next logits are then the model's
   * constant all-masked logits. Never true for an edit, whose logits always come from its own run.
   */
  boolean allMasked;
  /** False until an edit's first logits (a gen_step run on the source with the region masked) are in. */
  boolean primed;
  int step;

  public ImageTrack(LoopSettings settings, Uniforms uniforms, int tokens, int codebookSize, int pixelCount) {
    this(settings, uniforms, tokens, codebookSize, pixelCount, ImageStart.generate(0));
  }

  public ImageTrack(LoopSettings settings, Uniforms uniforms, int tokens, int codebookSize, int pixelCount, ImageStart start) {
    this.settings = settings;
    this.uniforms = uniforms;
    this.label = start.label();
    this.guidance = start.guidance();
    this.edit = start.isEdit();
    this.regionSize = start.regionSize();
    this.allMasked = !edit;
    this.primed = !edit;
    this.ids = new long[tokens];
    this.mask = new float[tokens];
    if (edit) {
      if (start.sourceIds().length != tokens) throw new IllegalArgumentException("source has " + start.sourceIds().length + " tokens, the model " + tokens);
      for (int i = 0; i < tokens; i++) {
        ids[i] = start.region()[i] ? 0 : start.sourceIds()[i];
        mask[i] = start.region()[i] ? 1f : 0f;
      }
    } else {
      java.util.Arrays.fill(mask, 1f);
    }
    this.probs = new float[tokens * codebookSize];
    this.logits = new float[tokens * codebookSize];
    this.pixels = new float[pixelCount];
    this.uSample = new double[tokens];
    this.uGumbel = new double[tokens];
    this.confidence = new double[tokens];
    this.order = new int[tokens];
  }

  public int step() { return step; }

  /** True until the image's first model run (an edit's priming run, a generated image's step 0). */
  public boolean fresh() { return edit ? !primed : step == 0; }

  public int label() { return label; }

  public float guidance() { return guidance; }

  public boolean done() { return step >= settings.steps(); }

  public LoopSettings settings() { return settings; }

  /** Token ids, row-major (meaningful where the mask is 0). */
  public long[] ids() { return ids; }

  /** 1 where the position is still unreliable (rendered from its soft embedding). */
  public float[] mask() { return mask; }

  /** The latest decoded image, CHW in [0,1]. */
  public float[] pixels() { return pixels; }
}
