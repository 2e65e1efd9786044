package dev.addp.workers.recognition;

import dev.addp.workers.model.ManifestKinds;
import dev.addp.workers.model.PreprocessSpec;

/**
 * Where an original image lies on the model-input canvas, exactly as {@link Preprocessor} puts it
 * there: resized to {@code resizedWidth × resizedHeight} and offset by ({@code dx}, {@code dy})
 * (negative offsets crop). Maps continuous coordinates both ways; with the half-pixel-centred
 * resampling the preprocessor uses, canvas x = dx + original x · resizedWidth / width exactly.
 */
public record LetterboxMapping(int width, int height, int canvas, int resizedWidth, int resizedHeight, int dx, int dy) {

  /** The placement {@link Preprocessor#write} uses for a {@code width × height} image (same arithmetic). */
  public static LetterboxMapping of(PreprocessSpec spec, int width, int height) {
    if (width < 1 || height < 1) throw new IllegalArgumentException("image has no pixels: " + width + "×" + height);
    int size = spec.size();
    int rw;
    int rh;
    if (spec.modeKind() == ManifestKinds.PreprocessMode.RESIZE_CENTER_CROP) {
      double scale = (double) size / Math.min(width, height);
      rw = Math.max(size, (int) Math.round(width * scale));
      rh = Math.max(size, (int) Math.round(height * scale));
    } else {
      int content = spec.contentSizeOr(size);
      int longer = Math.max(width, height);
      rw = width;
      rh = height;
      if (longer != content) {
        rw = Math.max(1, (int) Math.round((double) width * content / longer));
        rh = Math.max(1, (int) Math.round((double) height * content / longer));
      }
    }
    return new LetterboxMapping(width, height, size, rw, rh, (size - rw) / 2, (size - rh) / 2);
  }

  public double toOriginalX(double canvasX) { return (canvasX - dx) * width / resizedWidth; }

  public double toOriginalY(double canvasY) { return (canvasY - dy) * height / resizedHeight; }

  public double toCanvasX(double originalX) { return dx + originalX * resizedWidth / width; }

  public double toCanvasY(double originalY) { return dy + originalY * resizedHeight / height; }

  /**
   * A canvas box [x0, y0, x1, y1] in original pixels, clipped to the image: COCO
   * [x, y, width, height], or null when nothing of it lies on the image.
   */
  public double[] toOriginalBox(double x0, double y0, double x1, double y1) {
    double ox0 = clamp(toOriginalX(x0), width);
    double ox1 = clamp(toOriginalX(x1), width);
    double oy0 = clamp(toOriginalY(y0), height);
    double oy1 = clamp(toOriginalY(y1), height);
    if (ox1 <= ox0 || oy1 <= oy0) return null;
    return new double[] {ox0, oy0, ox1 - ox0, oy1 - oy0};
  }

  /**
   * The canvas cell, on a grid of {@code stride}-pixel cells, that the centre of original pixel
   * (x, y) falls in (nearest-neighbour), or -1 when it falls outside the image's content on the
   * canvas (cropped away, or padding).
   */
  public int cellOf(int x, int y, int stride) {
    double cx = toCanvasX(x + 0.5);
    double cy = toCanvasY(y + 0.5);
    if (cx < Math.max(0, dx) || cx >= Math.min(canvas, dx + resizedWidth)) return -1;
    if (cy < Math.max(0, dy) || cy >= Math.min(canvas, dy + resizedHeight)) return -1;
    int cells = canvas / stride;
    int gx = Math.min(cells - 1, (int) (cx / stride));
    int gy = Math.min(cells - 1, (int) (cy / stride));
    return gy * cells + gx;
  }

  /** Whether canvas pixel (x, y) shows the image (not padding). */
  public boolean isContent(int canvasX, int canvasY) {
    return canvasX >= dx && canvasX < dx + resizedWidth && canvasY >= dy && canvasY < dy + resizedHeight;
  }

  private static double clamp(double v, int max) { return Math.max(0, Math.min(max, v)); }
}
