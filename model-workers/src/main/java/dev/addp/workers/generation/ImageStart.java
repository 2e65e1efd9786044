package dev.addp.workers.generation;

/**
 * How one image's loop starts. A generated image starts with every token masked. An edited image
 * starts from a source's token ids: tokens outside the region are reliable and never change,
 * tokens inside start masked and are revealed on the generation schedule scaled to the region.
 *
 * @param label       gen_step's label value (a class index, or the model's "none")
 * @param guidance    gen_step's classifier-free guidance strength (no effect without a label or guidance input)
 * @param sourceIds   the source's token ids (null: generate from nothing)
 * @param region      true where a token is regenerated (null with sourceIds null)
 */
public record ImageStart(int label, float guidance, long[] sourceIds, boolean[] region) {
  public ImageStart {
    if (!(guidance >= 0 && Float.isFinite(guidance))) throw new IllegalArgumentException("guidance must be finite and >= 0, got " + guidance);
    if ((sourceIds == null) != (region == null)) throw new IllegalArgumentException("an edit needs both source ids and a region");
    if (sourceIds != null && sourceIds.length != region.length) {
      throw new IllegalArgumentException("source ids (" + sourceIds.length + ") and region (" + region.length + ") differ in length");
    }
  }

  /** Generation without guidance. */
  public static ImageStart generate(int label) { return generate(label, 0f); }

  public static ImageStart generate(int label, float guidance) { return new ImageStart(label, guidance, null, null); }

  /** An edit without guidance. */
  public static ImageStart edit(int label, long[] sourceIds, boolean[] region) { return edit(label, 0f, sourceIds, region); }

  public static ImageStart edit(int label, float guidance, long[] sourceIds, boolean[] region) {
    return new ImageStart(label, guidance, sourceIds, region);
  }

  public boolean isEdit() { return sourceIds != null; }

  /** Tokens in the region. */
  public int regionSize() {
    int n = 0;
    if (region != null) for (boolean b : region) if (b) n++;
    return n;
  }
}
