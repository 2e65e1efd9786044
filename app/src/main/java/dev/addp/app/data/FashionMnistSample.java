package dev.addp.app.data;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Fashion-MNIST images and labels from gzipped IDX files (28×28 greyscale, labels 0..9). */
public record FashionMnistSample(int count, int rows, int cols, byte[] pixels, byte[] labels) {
  public static final Path DEFAULT_DIR = Path.of("models/zoo/fashion-mnist-test");

  public static FashionMnistSample read(Path dir) {
    return read(dir.resolve("t10k-2000-images-idx3-ubyte.gz"), dir.resolve("t10k-2000-labels-idx1-ubyte.gz"));
  }

  public static FashionMnistSample read(Path images, Path labels) {
    try (DataInputStream im = open(images); DataInputStream lb = open(labels)) {
      if (im.readInt() != 2051) throw new IOException(images + " is not an IDX image file");
      int n = im.readInt();
      int rows = im.readInt();
      int cols = im.readInt();
      byte[] pixels = im.readNBytes(n * rows * cols);
      if (lb.readInt() != 2049) throw new IOException(labels + " is not an IDX label file");
      int m = lb.readInt();
      byte[] l = lb.readNBytes(m);
      if (m != n || pixels.length != n * rows * cols || l.length != m) throw new IOException("IDX files disagree or are short");
      return new FashionMnistSample(n, rows, cols, pixels, l);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read Fashion-MNIST sample " + images, e);
    }
  }

  private static DataInputStream open(Path p) throws IOException {
    InputStream in = Files.newInputStream(p);
    return new DataInputStream(new GZIPInputStream(in));
  }

  public int label(int i) { return labels[i] & 0xFF; }

  /** Image i as a greyscale BufferedImage (raw values, no colour conversion). */
  public java.awt.image.BufferedImage image(int i) {
    var img = new java.awt.image.BufferedImage(cols, rows, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setDataElements(0, 0, cols, rows, java.util.Arrays.copyOfRange(pixels, i * rows * cols, (i + 1) * rows * cols));
    return img;
  }

  /** The first {@code max} images (fewer in a smaller sample) encoded as PNG. */
  public byte[][] pngs(int max) {
    byte[][] pngs = new byte[Math.min(max, count)][];
    for (int i = 0; i < pngs.length; i++) pngs[i] = png(i);
    return pngs;
  }

  /** Image i encoded as PNG, as a client would send it. */
  public byte[] png(int i) {
    try (var out = new java.io.ByteArrayOutputStream()) {
      javax.imageio.ImageIO.write(image(i), "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
