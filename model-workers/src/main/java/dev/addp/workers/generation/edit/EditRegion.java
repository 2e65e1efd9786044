package dev.addp.workers.generation.edit;

import dev.addp.workers.recognition.LetterboxMapping;

/**
 * Which tokens an edit regenerates. The region is given in source pixels and mapped onto the model's
 * canvas exactly as the preprocessor places the source there ({@link LetterboxMapping}); the canvas
 * is cut into a grid of equal token cells (half-open). A token is in the region when:
 * <ul>
 *   <li>box: its cell overlaps the mapped box by any area (touching is not overlapping);</li>
 *   <li>mask: some mask pixel's centre maps into its cell, or some canvas pixel of the cell shows a
 *       mask pixel (its nearest source pixel), so thin masks and upscaled sources both count.</li>
 * </ul>
 */
public final class EditRegion {
  private final LetterboxMapping mapping;
  private final int grid;
  private final double cell;

  /** @param grid tokens per side of the square token grid over the {@code mapping.canvas()} canvas */
  public EditRegion(LetterboxMapping mapping, int grid) {
    if (grid < 1 || mapping.canvas() % grid != 0) throw new IllegalArgumentException("canvas " + mapping.canvas() + " is not a multiple of the token grid " + grid);
    this.mapping = mapping;
    this.grid = grid;
    this.cell = mapping.canvas() / (double) grid;
  }

  /** Tokens whose cell overlaps the box [x, y, width, height] (source pixels); none for an empty box. */
  public boolean[] ofBox(double x, double y, double width, double height) {
    boolean[] out = new boolean[grid * grid];
    if (!(width > 0) || !(height > 0)) return out;
    double x0 = mapping.toCanvasX(x);
    double x1 = mapping.toCanvasX(x + width);
    double y0 = mapping.toCanvasY(y);
    double y1 = mapping.toCanvasY(y + height);
    for (int r = 0; r < grid; r++) {
      for (int c = 0; c < grid; c++) {
        double cx0 = c * cell;
        double cy0 = r * cell;
        out[r * grid + c] = x0 < cx0 + cell && x1 > cx0 && y0 < cy0 + cell && y1 > cy0;
      }
    }
    return out;
  }

  /** Tokens covered by a row-major mask of the source's size ({@code mask[y * width + x]}). */
  public boolean[] ofMask(boolean[] mask) {
    int w = mapping.width();
    int h = mapping.height();
    if (mask.length != w * h) throw new IllegalArgumentException("mask has " + mask.length + " pixels, the source " + w + "×" + h);
    boolean[] out = new boolean[grid * grid];
    int stride = (int) cell;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        if (!mask[y * w + x]) continue;
        int token = mapping.cellOf(x, y, stride);
        if (token >= 0) out[token] = true;
      }
    }
    int canvas = mapping.canvas();
    for (int py = 0; py < canvas; py++) {
      for (int px = 0; px < canvas; px++) {
        if (!mapping.isContent(px, py)) continue;
        int sx = clamp((int) Math.floor(mapping.toOriginalX(px + 0.5)), w);
        int sy = clamp((int) Math.floor(mapping.toOriginalY(py + 0.5)), h);
        if (mask[sy * w + sx]) out[(py / stride) * grid + px / stride] = true;
      }
    }
    return out;
  }

  /** The union of two regions. */
  public static boolean[] union(boolean[] a, boolean[] b) {
    boolean[] out = new boolean[a.length];
    for (int i = 0; i < a.length; i++) out[i] = a[i] || b[i];
    return out;
  }

  private static int clamp(int v, int n) { return Math.max(0, Math.min(n - 1, v)); }
}
