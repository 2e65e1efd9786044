package dev.addp.systemtest.support;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/** Valid and hostile image payloads for the dead-letter tests. */
public final class BadImages {
  private BadImages() { }

  public static byte[] encode(BufferedImage img, String format) {
    try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no writer for " + format);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static BufferedImage grey(int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    Random r = new Random(seed);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, r.nextInt(256));
    return img;
  }

  public static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    b[0] = 0x13; // make sure no image signature starts it
    return b;
  }

  public static byte[] truncated(byte[] valid) { return Arrays.copyOf(valid, valid.length / 2); }

  /** A well-formed PNG signature + IHDR chunk declaring width×height, and nothing else. */
  public static byte[] pngHeaderOnly(int width, int height) {
    ByteBuffer ihdr = ByteBuffer.allocate(17);
    ihdr.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(width).putInt(height).put((byte) 8).put((byte) 0).put((byte) 0).put((byte) 0).put((byte) 0);
    CRC32 crc = new CRC32();
    crc.update(ihdr.array());
    return ByteBuffer.allocate(8 + 4 + 17 + 4)
        .put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A})
        .putInt(13).put(ihdr.array()).putInt((int) crc.getValue()).array();
  }

  /** A small valid TIFF (decoded by the TwelveMonkeys plugin). */
  public static byte[] tiff() { return encode(grey(8, 8, 1), "tiff"); }

  /** A Photoshop file signature and header: a real format the service does not accept. */
  public static byte[] psd() {
    return ByteBuffer.allocate(26).put(new byte[] {'8', 'B', 'P', 'S'}).putShort((short) 1).put(new byte[6]).putShort((short) 3)
        .putInt(8).putInt(8).putShort((short) 8).putShort((short) 3).array();
  }
}
