package dev.addp.systemtest.support;

import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * A folder as users have them: nested subfolders, many encodings and odd sizes, names with and
 * without extensions, and every kind of broken or non-image file. Each file is listed with what
 * must become of it.
 */
public final class MixedFolder {
  /** What a file must end as: annotated, dead-lettered with this reason, skipped, or either of the first two. */
  public enum Expect { ANNOTATED, DEAD_LETTERED, SKIPPED, ANNOTATED_OR_DEAD_LETTERED }

  public record Entry(Expect expect, String reason) { }

  private final Path root;
  private final Map<String, Entry> files = new LinkedHashMap<>();

  private MixedFolder(Path root) { this.root = root; }

  public Path root() { return root; }

  /** Relative path ('/' separated) → what must become of it. */
  public Map<String, Entry> files() { return files; }

  /** {@code rounds} × 16 files (16 rounds: 256, 19 rounds: 304). */
  public static MixedFolder generate(Path root, int rounds) throws IOException {
    MixedFolder f = new MixedFolder(root);
    for (int i = 0; i < rounds; i++) f.round(i);
    return f;
  }

  private void round(int i) throws IOException {
    Random r = new Random(i);
    String d = "set-" + (i % 4) + (i % 3 == 0 ? "/nested/deeper" : i % 3 == 1 ? "/nested" : "");
    int w = 8 + r.nextInt(60);
    int h = 8 + r.nextInt(60);
    switch (i % 4) { // odd sizes, from one pixel to very wide
      case 0 -> { w = 1 + (i % 2); h = 1; }
      case 1 -> { w = 1500 + i; h = 3; }
      case 2 -> { w = 5; h = 700 + i; }
      default -> { }
    }
    valid(d + "/grey-" + i + ".png", encode(grey(w, h, i), "png", false));
    valid(d + "/rgb-" + i + ".jpg", encode(rgb(w, h, i), "jpeg", false));
    valid(d + "/progressive-" + i + ".jpeg", encode(rgb(w + 9, h + 9, i), "jpeg", true));
    valid(d + "/cmyk-" + i + ".jpg", cmykJpeg(w + 4, h + 4, i));
    valid(d + "/sixteen-bit-" + i + ".png", encode(sixteenBit(w, h, i), "png", false));
    valid(d + "/palette-" + i + ".png", encode(palette(w, h, i), "png", false));
    valid(d + "/interlaced-" + i + ".png", encode(rgb(w + 3, h + 3, i), "png", true));
    valid(d + "/alpha-" + i + ".png", encode(alpha(w, h, i), "png", false));
    valid(d + "/anim-" + i + ".gif", encode(palette(w, h, i), "gif", false));
    valid(d + "/bitmap-" + i + ".bmp", encode(rgb(w, h, i), "bmp", false));
    valid(d + "/scan-" + i + (i % 2 == 0 ? ".tif" : ".tiff"), encode(grey(w, h, i), "tiff", false));
    valid(d + "/web-" + i + ".webp", resource(i % 2 == 0 ? "lossless.webp" : "lossy.webp"));
    valid(d + "/no-extension-" + i, i % 2 == 0 ? ppm(w, h, i) : encode(grey(w, h, i), "png", false));
    byte[] png = encode(rgb(20 + i, 20, i), "png", false);
    // the broken ones: one kind per round, in turn
    switch (i % 8) {
      case 0 -> put(d + "/empty-" + i + ".png", new byte[0], Expect.SKIPPED, "empty file");
      case 1 -> put(d + "/truncated-" + i + ".png", BadImages.truncated(png), Expect.DEAD_LETTERED, "TRUNCATED_IMAGE");
      case 2 -> put(d + "/random-" + i + ".jpg", BadImages.randomBytes(700 + i, i), Expect.SKIPPED, "not an image");
      case 3 -> put(d + "/bomb-" + i + ".png", BadImages.pngHeaderOnly(60_000, 60_000), Expect.DEAD_LETTERED, "TOO_MANY_PIXELS");
      case 4 -> put(d + "/notes-" + i + ".txt", ("a text file " + i + "\n").getBytes(StandardCharsets.UTF_8), Expect.SKIPPED, "not an image");
      case 5 -> put(d + "/paper-" + i + ".pdf", "%PDF-1.7\n1 0 obj <<>> endobj\n".getBytes(StandardCharsets.US_ASCII), Expect.DEAD_LETTERED,
          "UNSUPPORTED_FORMAT");
      case 6 -> put(d + "/truncated-" + i + ".jpg", BadImages.truncated(encode(rgb(40, 40, i), "jpeg", false)), Expect.DEAD_LETTERED,
          "TRUNCATED_IMAGE");
      default -> put(d + "/psd-" + i + ".psd", BadImages.psd(), Expect.DEAD_LETTERED, "UNSUPPORTED_FORMAT");
    }
    // bit flips inside the image data: a decoder may or may not notice
    byte[] flipped = png.clone();
    for (int k = 40; k < flipped.length - 20; k += 7) flipped[k] ^= (byte) (1 << (k % 8));
    put(d + "/bit-flipped-" + i + ".png", flipped, Expect.ANNOTATED_OR_DEAD_LETTERED, null);
    put(d + "/data-" + i + ".bin", BadImages.randomBytes(64, 1000 + i), Expect.SKIPPED, "not an image");
  }

  private void valid(String rel, byte[] data) throws IOException { put(rel, data, Expect.ANNOTATED, null); }

  private void put(String rel, byte[] data, Expect expect, String reason) throws IOException {
    Path p = root.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.write(p, data);
    files.put(rel, new Entry(expect, reason));
  }

  static BufferedImage grey(int w, int h, long seed) { return BadImages.grey(w, h, seed); }

  static BufferedImage rgb(int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    Random r = new Random(seed);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt(0xFFFFFF));
    return img;
  }

  static BufferedImage alpha(int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_ARGB);
    Random r = new Random(seed);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.setRGB(x, y, r.nextInt());
    return img;
  }

  static BufferedImage sixteenBit(int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_USHORT_GRAY);
    Random r = new Random(seed);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, r.nextInt(65536));
    return img;
  }

  static BufferedImage palette(int w, int h, long seed) {
    byte[] reds = new byte[16];
    byte[] greens = new byte[16];
    byte[] blues = new byte[16];
    for (int k = 0; k < 16; k++) {
      reds[k] = (byte) (k * 16);
      greens[k] = (byte) (255 - k * 16);
      blues[k] = (byte) (k * 8);
    }
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(4, 16, reds, greens, blues));
    Random r = new Random(seed);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) img.getRaster().setSample(x, y, 0, r.nextInt(16));
    return img;
  }

  static byte[] ppm(int w, int h, long seed) {
    byte[] header = ("P6\n" + w + " " + h + "\n255\n").getBytes(StandardCharsets.US_ASCII);
    byte[] body = new byte[w * h * 3];
    new Random(seed).nextBytes(body);
    return ByteBuffer.allocate(header.length + body.length).put(header).put(body).array();
  }

  /** A four-channel (CMYK) JPEG, as print workflows leave them. */
  static byte[] cmykJpeg(int w, int h, long seed) throws IOException {
    WritableRaster cmyk = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, w, h, 4, null);
    Random r = new Random(seed);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) cmyk.setPixel(x, y, new int[] {r.nextInt(256), r.nextInt(256), 40, 10});
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(cmyk, null, null), null);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  /** @param progressive progressive JPEG, interlaced (Adam7) PNG */
  static byte[] encode(BufferedImage img, String format, boolean progressive) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      ImageWriteParam param = writer.getDefaultWriteParam();
      if (progressive && param.canWriteProgressive()) param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      writer.write(null, new IIOImage(img, null, null), param);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
    return bytes.toByteArray();
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = MixedFolder.class.getResourceAsStream("/images/" + name)) {
      if (in == null) throw new IOException("missing test resource /images/" + name);
      return in.readAllBytes();
    }
  }
}
