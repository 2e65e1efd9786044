package dev.addp.workers.generation;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** Generated pixels (CHW floats in [0,1]) to an image and to PNG bytes, as ADDP saves them: clamp(x·255). */
public final class ImagePng {
  private ImagePng() { }

  public static BufferedImage toImage(float[] chw, int offset, int channels, int height, int width) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int plane = height * width;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int i = offset + y * width + x;
        int r = level(chw[i]);
        int g = channels > 1 ? level(chw[i + plane]) : r;
        int b = channels > 2 ? level(chw[i + 2 * plane]) : r;
        img.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return img;
  }

  public static byte[] encode(BufferedImage img) {
    try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      ImageIO.write(img, "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static byte[] encode(float[] chw, int[] shape) { return encode(toImage(chw, 0, shape[0], shape[1], shape[2])); }

  private static int level(float v) { return Math.round(Math.max(0f, Math.min(1f, v)) * 255f); }
}
