package dev.addp.workers.recognition.heads;

import dev.addp.workers.recognition.LetterboxMapping;

/**
 * Semantic segmentation from one image's class scores [channels][G][G] (channel 0 background,
 * 1 + c class c; G = canvas / stride): the per-cell argmax, brought back to every original pixel
 * by nearest neighbour through the preprocessing's mapping (padding and cropped-away parts are
 * background), and the masks cut from it.
 */
public final class SemanticMasks {
  private final int channels;
  private final int grid;
  private final int stride;

  public SemanticMasks(int channels, int grid, int stride) {
    this.channels = channels;
    this.grid = grid;
    this.stride = stride;
  }

  public int grid() { return grid; }

  /** Channel of the highest score per cell (ties: the lower channel). */
  public int[] argmax(float[] seg, int offset) {
    int cells = grid * grid;
    int[] best = new int[cells];
    for (int i = 0; i < cells; i++) {
      float max = seg[offset + i];
      for (int ch = 1; ch < channels; ch++) {
        float v = seg[offset + ch * cells + i];
        if (v > max) {
          max = v;
          best[i] = ch;
        }
      }
    }
    return best;
  }

  /** Mean score of each channel over the cells where it is the argmax (0 where it is nowhere). */
  public float[] meanScores(float[] seg, int offset, int[] argmax) { return meanScores(seg, offset, argmax, null); }

  /**
   * Mean score of each channel over the cells labelled with it, a cell scoring the seg head's
   * probability of its label, or {@code cellScore[cell]} where that is not NaN (a cell a refined
   * box relabelled scores that box's score: the seg head did not choose its class).
   */
  public float[] meanScores(float[] seg, int offset, int[] labels, double[] cellScore) {
    int cells = grid * grid;
    double[] sum = new double[channels];
    int[] n = new int[channels];
    for (int i = 0; i < cells; i++) {
      boolean own = cellScore == null || Double.isNaN(cellScore[i]);
      sum[labels[i]] += own ? seg[offset + labels[i] * cells + i] : cellScore[i];
      n[labels[i]]++;
    }
    float[] mean = new float[channels];
    for (int ch = 0; ch < channels; ch++) mean[ch] = n[ch] == 0 ? 0f : (float) (sum[ch] / n[ch]);
    return mean;
  }

  /** The channel of every original pixel (row-major), 0 outside the image's content on the canvas. */
  public int[] toOriginal(int[] argmax, LetterboxMapping m) {
    int[] labels = new int[m.width() * m.height()];
    for (int y = 0; y < m.height(); y++) {
      for (int x = 0; x < m.width(); x++) {
        int cell = m.cellOf(x, y, stride);
        labels[y * m.width() + x] = cell < 0 ? 0 : argmax[cell];
      }
    }
    return labels;
  }

  /**
   * The most frequent class (0-based, channel - 1) among the cells whose centre lies inside the
   * canvas box [x0, x1) × [y0, y1); ties go to the lower class; -1 when no cell inside is foreground.
   */
  public int majorityClass(int[] argmax, Detection box) {
    int[] votes = new int[channels];
    for (int gy = 0; gy < grid; gy++) {
      double cy = (gy + 0.5) * stride;
      if (cy < box.y0() || cy >= box.y1()) continue;
      for (int gx = 0; gx < grid; gx++) {
        double cx = (gx + 0.5) * stride;
        if (cx >= box.x0() && cx < box.x1()) votes[argmax[gy * grid + gx]]++;
      }
    }
    int best = -1;
    for (int ch = 1; ch < channels; ch++) if (votes[ch] > 0 && (best < 0 || votes[ch] > votes[best])) best = ch;
    return best < 0 ? -1 : best - 1;
  }

  /** Pixels labelled {@code channel}. */
  public static boolean[] classMask(int[] labels, int channel) {
    boolean[] mask = new boolean[labels.length];
    for (int i = 0; i < labels.length; i++) mask[i] = labels[i] == channel;
    return mask;
  }

  /**
   * Pixels labelled {@code channel} whose centre lies inside the original-pixel box
   * [x, x + w) × [y, y + h): the instance mask of a detected box, held at the box's extent
   * ({@link BoxMask}), not the image's.
   */
  public static BoxMask instanceMask(int[] labels, int width, int height, int channel, double x, double y, double w, double h) {
    int ys = Math.max(0, (int) Math.floor(y - 0.5));
    int ye = Math.max(ys, Math.min(height, (int) Math.ceil(y + h)));
    int xs = Math.max(0, (int) Math.floor(x - 0.5));
    int xe = Math.max(xs, Math.min(width, (int) Math.ceil(x + w)));
    int bw = xe - xs;
    boolean[] bits = new boolean[bw * (ye - ys)];
    for (int py = ys; py < ye; py++) {
      double cy = py + 0.5;
      if (cy < y || cy >= y + h) continue;
      for (int px = xs; px < xe; px++) {
        double cx = px + 0.5;
        if (cx >= x && cx < x + w && labels[py * width + px] == channel) bits[(py - ys) * bw + px - xs] = true;
      }
    }
    return new BoxMask(xs, ys, bw, ye - ys, bits);
  }

  /** A mask's set pixels, all inside the region of {@code width × height} at ({@code left}, {@code top}); row-major. */
  public record BoxMask(int left, int top, int width, int height, boolean[] bits) {
    /** Whether the image pixel (x, y) is set. */
    public boolean get(int x, int y) {
      return x >= left && x < left + width && y >= top && y < top + height && bits[(y - top) * width + x - left];
    }
  }
}
