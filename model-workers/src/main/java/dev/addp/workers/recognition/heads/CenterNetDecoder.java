package dev.addp.workers.recognition.heads;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * CenterNet boxes from one image's heat-map [C][G][G], size [2][G][G] and offset [2][G][G] (flat,
 * channel-major): peaks are cells equal to the maximum of their k×k neighbourhood (cells off the
 * grid ignored) and at least the minimum score; the top K by score over all classes become boxes
 * centre ± size / 2 (centre = (cell + offset) · stride, in canvas pixels) clipped to the canvas.
 * NMS is separate ({@link #nms}) so a class can be reassigned in between.
 */
public final class CenterNetDecoder {
  private final int classes;
  private final int grid;
  private final int stride;
  private final int halfKernel;

  public CenterNetDecoder(int classes, int grid, int stride, int peakKernel) {
    this.classes = classes;
    this.grid = grid;
    this.stride = stride;
    this.halfKernel = peakKernel / 2;
  }

  /** Peaks ≥ minScore, best first (ties: lower class, then lower cell), at most maxDetections, as boxes. */
  public List<Detection> decode(float[] heat, int heatOffset, float[] size, int sizeOffset, float[] offset, int offsetOffset,
                                double minScore, int maxDetections) {
    int cells = grid * grid;
    List<int[]> peaks = new ArrayList<>(); // {class, cell}
    List<Float> scores = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      int base = heatOffset + c * cells;
      for (int y = 0; y < grid; y++) {
        for (int x = 0; x < grid; x++) {
          float v = heat[base + y * grid + x];
          if (v >= minScore && isPeak(heat, base, x, y, v)) {
            peaks.add(new int[] {c, y * grid + x});
            scores.add(v);
          }
        }
      }
    }
    Integer[] order = new Integer[peaks.size()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    // peaks were collected class by class, cell by cell: a stable sort by score keeps that tie order
    java.util.Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -scores.get(i)));
    double canvas = (double) grid * stride;
    List<Detection> out = new ArrayList<>(Math.min(order.length, maxDetections));
    for (int k = 0; k < order.length && k < maxDetections; k++) {
      int[] p = peaks.get(order[k]);
      int cell = p[1];
      int x = cell % grid;
      int y = cell / grid;
      double cx = (x + (double) offset[offsetOffset + cell]) * stride; // in double, as the Python export
      double cy = (y + (double) offset[offsetOffset + cells + cell]) * stride;
      double w = size[sizeOffset + cell];
      double h = size[sizeOffset + cells + cell];
      out.add(new Detection(p[0], scores.get(order[k]),
          clamp(cx - w / 2, canvas), clamp(cy - h / 2, canvas), clamp(cx + w / 2, canvas), clamp(cy + h / 2, canvas)));
    }
    return out;
  }

  private boolean isPeak(float[] heat, int base, int x, int y, float v) {
    for (int dy = -halfKernel; dy <= halfKernel; dy++) {
      int yy = y + dy;
      if (yy < 0 || yy >= grid) continue;
      for (int dx = -halfKernel; dx <= halfKernel; dx++) {
        int xx = x + dx;
        if (xx >= 0 && xx < grid && heat[base + yy * grid + xx] > v) return false;
      }
    }
    return true;
  }

  /** Greedy per-class NMS: in score order, a box is kept unless a kept box of its class overlaps it more than {@code iou}. */
  public static List<Detection> nms(List<Detection> byScore, double iou) {
    List<Detection> kept = new ArrayList<>();
    List<Detection> sorted = new ArrayList<>(byScore);
    sorted.sort(Comparator.comparingDouble((Detection d) -> -d.score())); // stable: keeps the decoder's tie order
    for (Detection d : sorted) {
      boolean suppressed = false;
      for (Detection k : kept) {
        if (k.classId() == d.classId() && k.iou(d) > iou) {
          suppressed = true;
          break;
        }
      }
      if (!suppressed) kept.add(d);
    }
    return kept;
  }

  private static double clamp(double v, double max) { return Math.max(0, Math.min(max, v)); }
}
