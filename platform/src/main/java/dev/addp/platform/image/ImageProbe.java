package dev.addp.platform.image;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageInfo;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Checks an encoded image without decoding its pixels: format from the magic bytes, dimensions from
 * the header (ImageIO readers read only the header for getWidth/getHeight), byte and pixel limits,
 * and a cheap truncation check.
 */
public final class ImageProbe {
  static {
    // ImageIO buffers streams in temporary files by default: one file per image is far slower than memory.
    ImageIO.setUseCache(false);
  }

  private final ImageLimits limits;

  public ImageProbe(ImageLimits limits) { this.limits = limits; }

  public ImageLimits limits() { return limits; }

  /** @throws ImageRejectedException with the typed reason */
  public ImageInfo probe(byte[] data) {
    try (OpenedImage image = open(data)) {
      return image.info();
    }
  }

  /**
   * An image that passed every check, with its reader positioned after the header, ready to decode.
   * {@code info} has the upright picture's width and height (EXIF orientation applied); the reader
   * decodes the stored pixels, which {@link #readUpright} turns upright.
   */
  public record OpenedImage(ImageInfo info, ImageReader reader, ImageInputStream stream, Orientation orientation) implements AutoCloseable {
    /** Decodes the first image and applies the EXIF orientation. */
    public java.awt.image.BufferedImage readUpright() throws IOException { return orientation.apply(reader.read(0)); }

    /** Decodes every {@code step}-th pixel of every {@code step}-th row (a preview), upright. */
    public java.awt.image.BufferedImage readUprightSubsampled(int step) throws IOException {
      javax.imageio.ImageReadParam param = reader.getDefaultReadParam();
      if (step > 1) param.setSourceSubsampling(step, step, 0, 0);
      return orientation.apply(reader.read(0, param));
    }

    @Override
    public void close() {
      reader.dispose();
      try {
        stream.close();
      } catch (IOException e) {
        // in-memory stream: nothing to release
      }
    }
  }

  /** Checks the image as {@link #probe} does and keeps the reader open, so decoding does not parse the header again. */
  public OpenedImage open(byte[] data) {
    if (data == null || data.length == 0) throw new ImageRejectedException(ErrorType.EMPTY_IMAGE, "image has zero bytes");
    if (data.length > limits.maxBytes()) {
      throw new ImageRejectedException(ErrorType.IMAGE_TOO_LARGE,
          "image has " + data.length + " bytes, the limit is " + limits.maxBytes());
    }
    ImageFormat format = ImageFormat.sniff(data).orElseThrow(() -> new ImageRejectedException(ErrorType.UNKNOWN_FORMAT,
        "no known image signature in the first bytes (" + hex(data) + ")"));
    if (!format.supported()) {
      throw new ImageRejectedException(ErrorType.UNSUPPORTED_FORMAT,
          format.label() + " images are not supported (supported: " + ImageFormat.supportedLabels() + ")");
    }
    ImageReader reader = readerFor(format);
    ImageInputStream in = null;
    try {
      in = ImageIO.createImageInputStream(new ByteArrayInputStream(data));
      reader.setInput(in, true, true);
      int width = readHeader(format, data, () -> reader.getWidth(0));
      int height = readHeader(format, data, () -> reader.getHeight(0));
      long pixels = (long) width * height;
      if (width <= 0 || height <= 0 || width > limits.maxSide() || height > limits.maxSide() || pixels > limits.maxPixels()) {
        throw new ImageRejectedException(ErrorType.TOO_MANY_PIXELS, format.label() + " header declares " + width + "x" + height
            + " pixels; limits are " + limits.maxSide() + " per side and " + limits.maxPixels() + " in all");
      }
      if (!format.looksComplete(data)) {
        throw new ImageRejectedException(ErrorType.TRUNCATED_IMAGE,
            format.label() + " data of " + data.length + " bytes ends before the format's end marker");
      }
      Orientation orientation = Orientation.of(format, data);
      ImageInfo info = orientation.swapsSides() ? new ImageInfo(format.label(), height, width, (long) data.length)
          : new ImageInfo(format.label(), width, height, (long) data.length);
      return new OpenedImage(info, reader, in, orientation);
    } catch (IOException | RuntimeException e) {
      reader.dispose();
      if (in != null) {
        try {
          in.close();
        } catch (IOException ignored) {
          // in-memory stream
        }
      }
      if (e instanceof ImageRejectedException rejected) throw rejected;
      throw new ImageRejectedException(ErrorType.CORRUPT_IMAGE, format.label() + " stream is unreadable: " + e.getMessage(), e);
    }
  }

  private interface HeaderRead {
    int read() throws IOException;
  }

  private static int readHeader(ImageFormat format, byte[] data, HeaderRead read) {
    try {
      return read.read();
    } catch (IOException | RuntimeException e) {
      // A header that ends early is a truncated file, whatever exception the reader chose for it.
      if (e instanceof EOFException || !format.looksComplete(data)) {
        throw new ImageRejectedException(ErrorType.TRUNCATED_IMAGE, format.label() + " data of " + data.length
            + " bytes ends inside its header", e);
      }
      throw new ImageRejectedException(ErrorType.CORRUPT_IMAGE, format.label() + " header is unreadable: " + e.getMessage(), e);
    }
  }

  /**
   * A fresh ImageIO reader for a sniffed format, looked up by name: asking ImageIO to guess would
   * make every registered plugin inspect the bytes again.
   */
  public static ImageReader readerFor(ImageFormat format) {
    Iterator<ImageReader> readers = ImageIO.getImageReadersByFormatName(format.label());
    if (!readers.hasNext()) {
      throw new ImageRejectedException(ErrorType.UNSUPPORTED_FORMAT, "no decoder available for " + format.label());
    }
    return readers.next();
  }

  private static String hex(byte[] d) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(8, d.length); i++) sb.append(String.format("%02x", d[i] & 0xFF));
    return sb.toString();
  }
}
