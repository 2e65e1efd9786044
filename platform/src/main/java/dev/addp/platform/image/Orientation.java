package dev.addp.platform.image;

import com.twelvemonkeys.imageio.metadata.Directory;
import com.twelvemonkeys.imageio.metadata.Entry;
import com.twelvemonkeys.imageio.metadata.exif.EXIFReader;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEG;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegment;
import com.twelvemonkeys.imageio.metadata.jpeg.JPEGSegmentUtil;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;

/**
 * The EXIF orientation (TIFF tag 274) of an encoded image: how the stored pixels must be turned to
 * show the picture upright. Read with TwelveMonkeys' metadata readers from a JPEG's APP1 "Exif"
 * segment or a TIFF's first directory; any other format, or metadata that does not parse, is
 * upright (a broken EXIF block does not make the pixels unusable).
 */
public enum Orientation {
  NORMAL, FLIP_HORIZONTAL, ROTATE_180, FLIP_VERTICAL, TRANSPOSE, ROTATE_90_CW, TRANSVERSE, ROTATE_90_CCW;

  private static final int TAG_ORIENTATION = 274;

  /** The EXIF value 1..8; anything else counts as 1. */
  public static Orientation ofExifValue(int value) { return value >= 1 && value <= 8 ? values()[value - 1] : NORMAL; }

  public int exifValue() { return ordinal() + 1; }

  /** Whether the upright picture is the stored one turned a quarter (width and height swap). */
  public boolean swapsSides() { return ordinal() >= TRANSPOSE.ordinal(); }

  public static Orientation of(ImageFormat format, byte[] data) {
    try {
      return switch (format) {
        case JPEG -> fromJpeg(data);
        case TIFF -> fromExif(new ByteArrayInputStream(data));
        default -> NORMAL;
      };
    } catch (IOException | RuntimeException e) {
      return NORMAL;
    }
  }

  private static Orientation fromJpeg(byte[] data) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
      List<JPEGSegment> exif = JPEGSegmentUtil.readSegments(in, JPEG.APP1, "Exif");
      if (exif.isEmpty()) return NORMAL;
      InputStream body = exif.get(0).data();
      body.read(); // "Exif\0" is followed by one pad byte before the TIFF structure
      return fromExif(body);
    }
  }

  private static Orientation fromExif(InputStream tiffStructure) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(tiffStructure)) {
      Directory dir = new EXIFReader().read(in);
      Entry e = dir.getEntryById(TAG_ORIENTATION);
      return e != null && e.getValue() instanceof Number n ? ofExifValue(n.intValue()) : NORMAL;
    }
  }

  /** The upright picture: a new image of the same type with the pixels moved (the source is untouched). */
  public BufferedImage apply(BufferedImage src) {
    if (this == NORMAL) return src;
    int w = src.getWidth();
    int h = src.getHeight();
    int dw = swapsSides() ? h : w;
    int dh = swapsSides() ? w : h;
    Raster in = src.getRaster();
    WritableRaster out = in.createCompatibleWritableRaster(dw, dh);
    Object pixel = null;
    for (int y = 0; y < dh; y++) {
      for (int x = 0; x < dw; x++) {
        int sx;
        int sy;
        switch (this) {
          case FLIP_HORIZONTAL -> { sx = w - 1 - x; sy = y; }
          case ROTATE_180 -> { sx = w - 1 - x; sy = h - 1 - y; }
          case FLIP_VERTICAL -> { sx = x; sy = h - 1 - y; }
          case TRANSPOSE -> { sx = y; sy = x; }
          case ROTATE_90_CW -> { sx = y; sy = h - 1 - x; }
          case TRANSVERSE -> { sx = w - 1 - y; sy = h - 1 - x; }
          default -> { sx = w - 1 - y; sy = x; } // ROTATE_90_CCW
        }
        pixel = in.getDataElements(sx, sy, pixel);
        out.setDataElements(x, y, pixel);
      }
    }
    return new BufferedImage(src.getColorModel(), out, src.isAlphaPremultiplied(), null);
  }
}
