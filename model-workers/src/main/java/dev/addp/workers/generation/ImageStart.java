package dev.addp.workers.generation;

/**
 * How one image's loop starts. A generated image starts with every token masked. An edited image
 * starts from a source's token ids: tokens outside the region are reliable and never change,
 * tokens inside start masked and are revealed on the generation schedule scaled to the region.
 *
 * @param label       gen_step's label value (a class index, or the model's "none")
 * @param sourceIds   the source's token ids (null: generate from nothing)
 * @param region      true where a token is regenerated (null with sourceIds null)
 */
public record ImageStart(int label, long[] sourceIds, boolean[] region) {
  public ImageStart {
    if ((sourceIds == null) != (region == null)) throw new IllegalArgumentException("an edit needs both source ids and a region");
    if (sourceIds != null && sourceIds.length != region.length) {
      throw new IllegalArgumentException("source ids (" + sourceIds.length + ") and region (" + region.length + ") differ in length");
    }
  }

  public static ImageStart generate(int label) { return new ImageStart(label, null, null); }

  public static ImageStart edit(int label, long[] sourceIds, boolean[] region) { return new ImageStart(label, sourceIds, region); }

  public boolean isEdit() { return sourceIds != null; }

  /** Tokens in the region. */
  public int regionSize() {
    int n = 0;
    if (region != null) for (boolean b : region) if (b) n++;
    return n;
  }
}
