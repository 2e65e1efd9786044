package dev.addp.workers.recognition.heads;

/**
 * The square crop of a box that the refine stage classifies, cut from the model input [3][H][W]
 * exactly as models/addp/crops.py does (torch grid_sample, bilinear, align_corners=False, zeros
 * outside): side = max(longer box side · scale, 1), centred on the box; output pixel (u, v) samples
 * pixel-index position (x0 + (u + 0.5) · side / size − 0.5, same for y) from its 4 neighbours,
 * a neighbour off the canvas counting as 0. Crops of boxes near the edge thus see black, as in
 * training.
 */
public final class CropSampler {
  private final int height;
  private final int width;
  private final int size;
  private final double scale;

  public CropSampler(int height, int width, int cropSize, double cropScale) {
    this.height = height;
    this.width = width;
    this.size = cropSize;
    this.scale = cropScale;
  }

  /** Floats per crop: 3 · size². */
  public int cropLength() { return 3 * size * size; }

  /** Box {@code box} of the image at {@code image[offset..]} → {@code out[outOffset..]} ([3][size][size]). */
  public void sample(float[] image, int offset, Detection box, float[] out, int outOffset) {
    // a box of negative predicted size was clipped to width/height 0 (the contract): centre at its corner
    double w = Math.max(0, box.x1() - box.x0());
    double h = Math.max(0, box.y1() - box.y0());
    double side = Math.max(Math.max(w, h) * scale, 1.0);
    double x0 = box.x0() + w / 2 - side / 2;
    double y0 = box.y0() + h / 2 - side / 2;
    Taps xs = taps(x0, side, width);
    Taps ys = taps(y0, side, height);
    int plane = height * width;
    for (int c = 0; c < 3; c++) {
      int src = offset + c * plane;
      int dst = outOffset + c * size * size;
      for (int v = 0; v < size; v++) {
        for (int u = 0; u < size; u++) {
          double sum = 0;
          for (int a = 0; a < 2; a++) {
            int i = ys.index[2 * v + a];
            if (i < 0) continue;
            double wy = ys.weight[2 * v + a];
            for (int b = 0; b < 2; b++) {
              int j = xs.index[2 * u + b];
              if (j >= 0) sum += wy * xs.weight[2 * u + b] * image[src + i * width + j];
            }
          }
          out[dst + v * size + u] = (float) sum;
        }
      }
    }
  }

  /** Per output coordinate, its two neighbours' indices (-1 off the canvas) and weights. */
  private record Taps(int[] index, double[] weight) { }

  private Taps taps(double start, double side, int extent) {
    int[] index = new int[2 * size];
    double[] weight = new double[2 * size];
    for (int k = 0; k < size; k++) {
      double p = start + (k + 0.5) * side / size - 0.5;
      int lo = (int) Math.floor(p);
      double f = p - lo;
      index[2 * k] = lo >= 0 && lo < extent ? lo : -1;
      weight[2 * k] = 1 - f;
      index[2 * k + 1] = lo + 1 >= 0 && lo + 1 < extent ? lo + 1 : -1;
      weight[2 * k + 1] = f;
    }
    return new Taps(index, weight);
  }
}
