package dev.addp.workers.generation.jobs;

/**
 * An edit job's source as the model sees it: its token ids, the region to regenerate (true = the
 * token is regenerated) and the preprocessed source as a PNG of the model's size.
 */
public record ResolvedEdit(long[] sourceIds, boolean[] region, byte[] sourcePng) {
  /** Row-major positions in the region. */
  public java.util.List<Integer> regionPositions() {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    for (int i = 0; i < region.length; i++) if (region[i]) out.add(i);
    return out;
  }
}
