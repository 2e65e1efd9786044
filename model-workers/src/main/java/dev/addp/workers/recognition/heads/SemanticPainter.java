package dev.addp.workers.recognition.heads;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The segmentation argmax relabelled by the refined boxes (models/addp/crops.py {@code paint}):
 * the seg head outlines the items well but mixes up their classes, the crop classifier names them;
 * so every foreground cell whose centre lies inside a box scoring at least the paint threshold takes
 * that box's class. Boxes are painted in ascending score order (stable), so where boxes overlap the
 * higher score wins and, on equal scores, the later box in the given order. Background stays.
 */
public final class SemanticPainter {
  private final int grid;
  private final int stride;
  private final double minScore;

  /** {@code grid}: cells per side of the argmax map; {@code stride}: canvas pixels per cell. */
  public SemanticPainter(int grid, int stride, double paintMinScore) {
    this.grid = grid;
    this.stride = stride;
    this.minScore = paintMinScore;
  }

  /** The painted map (channel 0 background, 1 + c class c) and, per cell, the score of the box that painted it (NaN: none). */
  public record Painted(int[] labels, double[] boxScore) { }

  /** {@code argmax}: channel per cell; {@code boxes}: the detections after NMS, on the canvas. */
  public Painted paint(int[] argmax, List<Detection> boxes) {
    int[] labels = argmax.clone();
    double[] boxScore = new double[argmax.length];
    Arrays.fill(boxScore, Double.NaN);
    Integer[] order = new Integer[boxes.size()];
    for (int i = 0; i < order.length; i++) order[i] = i;
    Arrays.sort(order, Comparator.comparingDouble(i -> boxes.get(i).score())); // stable: equal scores keep their order
    for (int i : order) {
      Detection b = boxes.get(i);
      if (b.score() < minScore) continue;
      for (int gy = 0; gy < grid; gy++) {
        double cy = (gy + 0.5) * stride;
        if (cy < b.y0() || cy >= b.y1()) continue;
        for (int gx = 0; gx < grid; gx++) {
          double cx = (gx + 0.5) * stride;
          int cell = gy * grid + gx;
          if (cx >= b.x0() && cx < b.x1() && argmax[cell] != 0) {
            labels[cell] = 1 + b.classId();
            boxScore[cell] = b.score();
          }
        }
      }
    }
    return new Painted(labels, boxScore);
  }
}
