package dev.addp.workers.recognition;

import dev.addp.workers.model.ManifestKinds;
import dev.addp.workers.model.PreprocessSpec;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Turns a decoded image into the model input: RGB planes in [0,1], resized and padded or cropped
 * as the manifest says, written as CHW floats into a batch buffer.
 *
 * <p>Grey images are read from their raster, not through getRGB: Java's grey colour space is linear
 * and getRGB would gamma-convert the values the model was trained on. Resizing is a small bilinear
 * pass over float planes written here, because Java2D resamplers work on colour-managed images.
 */
public final class Preprocessor {
  /**
   * The modes ({@link ManifestKinds.PreprocessMode}: pad, the longer side to content_size centred on a
   * size × size canvas of fill; resize_center_crop, the shorter side to size, then the centre size × size),
   * interpolations and channel orders this class implements; a manifest asking for others is refused.
   */
  public static final java.util.List<String> MODES = ManifestKinds.spellings(ManifestKinds.PreprocessMode.class);
  public static final java.util.List<String> INTERPOLATIONS = java.util.List.of("bilinear");
  public static final java.util.List<String> CHANNELS = java.util.List.of("rgb");

  private final PreprocessSpec spec;
  private final int size;
  private final boolean crops;

  public Preprocessor(PreprocessSpec spec) {
    this.spec = spec;
    this.size = spec.size();
    this.crops = spec.modeKind() == ManifestKinds.PreprocessMode.RESIZE_CENTER_CROP;
  }

  public int inputSize() { return size; }

  /** Floats per image: 3·size·size. */
  public int inputLength() { return 3 * size * size; }

  /** Writes the image's model input into {@code out} at {@code offset}. */
  public void write(BufferedImage image, float[] out, int offset) {
    float[][] rgb = planes(image);
    int w = image.getWidth();
    int h = image.getHeight();
    // one placement for the pixels and for mapping boxes and masks back (LetterboxMapping)
    LetterboxMapping m = LetterboxMapping.of(spec, w, h);
    if (m.resizedWidth() != w || m.resizedHeight() != h) rgb = resize(rgb, w, h, m.resizedWidth(), m.resizedHeight());
    if (!crops) java.util.Arrays.fill(out, offset, offset + inputLength(), spec.fillValue());
    place(rgb, m.resizedWidth(), m.resizedHeight(), m.dx(), m.dy(), out, offset);
  }

  /**
   * Writes an image that is already in the model's input space, such as the generator's own
   * output (size × size, padding included), as is: resizing it like a photo would shrink it.
   */
  public void writeModelSized(BufferedImage image, float[] out, int offset) {
    if (image.getWidth() != size || image.getHeight() != size) {
      throw new IllegalArgumentException("expected a " + size + "×" + size + " image, got " + image.getWidth() + "×" + image.getHeight());
    }
    place(planes(image), size, size, 0, 0, out, offset);
  }

  /** Copies planes of w×h to the output canvas at (dx, dy), clipping to the canvas. */
  private void place(float[][] rgb, int w, int h, int dx, int dy, float[] out, int offset) {
    for (int c = 0; c < 3; c++) {
      int base = offset + c * size * size;
      for (int y = 0; y < h; y++) {
        int oy = y + dy;
        if (oy < 0 || oy >= size) continue;
        for (int x = 0; x < w; x++) {
          int ox = x + dx;
          if (ox >= 0 && ox < size) out[base + oy * size + ox] = rgb[c][y * w + x];
        }
      }
    }
  }

  static float[][] planes(BufferedImage image) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[][] rgb = new float[3][w * h];
    Raster raster = image.getRaster();
    boolean grey = image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
        && image.getColorModel().getNumColorComponents() == 1;
    if (grey) {
      float max = (1 << image.getColorModel().getComponentSize(0)) - 1;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          float v = raster.getSample(x, y, 0) / max;
          rgb[0][y * w + x] = v;
          rgb[1][y * w + x] = v;
          rgb[2][y * w + x] = v;
        }
      }
      return rgb;
    }
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int argb = image.getRGB(x, y);
        rgb[0][y * w + x] = ((argb >> 16) & 0xFF) / 255f;
        rgb[1][y * w + x] = ((argb >> 8) & 0xFF) / 255f;
        rgb[2][y * w + x] = (argb & 0xFF) / 255f;
      }
    }
    return rgb;
  }

  /** Bilinear resampling with half-pixel centres (as PIL and torch with align_corners=False). */
  static float[][] resize(float[][] src, int w, int h, int nw, int nh) {
    float[][] dst = new float[src.length][nw * nh];
    double sx = (double) w / nw;
    double sy = (double) h / nh;
    for (int y = 0; y < nh; y++) {
      double fy = Math.max(0, (y + 0.5) * sy - 0.5);
      int y0 = Math.min((int) fy, h - 1);
      int y1 = Math.min(y0 + 1, h - 1);
      float wy = (float) (fy - y0);
      for (int x = 0; x < nw; x++) {
        double fx = Math.max(0, (x + 0.5) * sx - 0.5);
        int x0 = Math.min((int) fx, w - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        float wx = (float) (fx - x0);
        for (int c = 0; c < src.length; c++) {
          float[] s = src[c];
          float top = s[y0 * w + x0] * (1 - wx) + s[y0 * w + x1] * wx;
          float bottom = s[y1 * w + x0] * (1 - wx) + s[y1 * w + x1] * wx;
          dst[c][y * nw + x] = top * (1 - wy) + bottom * wy;
        }
      }
    }
    return dst;
  }
}
