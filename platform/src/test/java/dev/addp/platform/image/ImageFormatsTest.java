package dev.addp.platform.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.ImageInfo;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import org.junit.jupiter.api.Test;

/** Formats beyond the basic five, the encodings that must keep decoding, and EXIF orientation. */
class ImageFormatsTest {
  private final ImageProbe probe = new ImageProbe(new ImageLimits(10_000_000, 4_000_000, 4096));

  @Test
  void tiffDecodes() throws IOException {
    BufferedImage img = new BufferedImage(13, 7, BufferedImage.TYPE_3BYTE_BGR);
    img.setRGB(3, 2, 0xFFFFFF);
    BufferedImage read = decode(write(img, "tiff"), "tiff", 13, 7);
    assertThat(read.getRGB(3, 2) & 0xFFFFFF).isEqualTo(0xFFFFFF);
  }

  @Test
  void ppmAndPgmDecode() throws IOException {
    byte[] ppm = ascii("P6\n3 2\n255\n", new byte[] {(byte) 255, 0, 0, 0, (byte) 255, 0, 0, 0, (byte) 255, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    BufferedImage rgb = decode(ppm, "pnm", 3, 2);
    assertThat(rgb.getRGB(0, 0) & 0xFFFFFF).isEqualTo(0xFF0000);
    assertThat(rgb.getRGB(2, 0) & 0xFFFFFF).isEqualTo(0x0000FF);
    byte[] pgm = "P2\n2 2\n255\n0 64\n128 255\n".getBytes(StandardCharsets.US_ASCII);
    BufferedImage grey = decode(pgm, "pnm", 2, 2);
    assertThat(grey.getRaster().getSample(1, 1, 0)).isEqualTo(255);
    assertThat(grey.getRaster().getSample(0, 0, 0)).isEqualTo(0);
  }

  @Test
  void cmykJpegDecodes() throws IOException {
    WritableRaster cmyk = Raster.createInterleavedRaster(java.awt.image.DataBuffer.TYPE_BYTE, 24, 16, 4, null);
    for (int y = 0; y < 16; y++) for (int x = 0; x < 24; x++) cmyk.setPixel(x, y, new int[] {x * 10, y * 10, 40, 0});
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ImageOutputStream out = ImageIO.createImageOutputStream(bytes)) {
      writer.setOutput(out);
      writer.write(null, new IIOImage(cmyk, null, null), null);
    } finally {
      writer.dispose();
    }
    BufferedImage read = decode(bytes.toByteArray(), "jpeg", 24, 16);
    assertThat(read.getWidth()).isEqualTo(24);
  }

  @Test
  void sixteenBitPngDecodes() throws IOException {
    BufferedImage img = new BufferedImage(9, 5, BufferedImage.TYPE_USHORT_GRAY);
    img.getRaster().setSample(4, 2, 0, 65535);
    BufferedImage read = decode(write(img, "png"), "png", 9, 5);
    assertThat(read.getRaster().getSample(4, 2, 0)).isEqualTo(65535);
  }

  @Test
  void exifOrientationTurnsThePictureUprightAndSwapsTheSides() throws IOException {
    // Stored 32x16: left half white, right half black. Orientation 6 = show it turned 90° clockwise,
    // so upright it is 16x32 with the white half on top.
    BufferedImage img = new BufferedImage(32, 16, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < 16; y++) for (int x = 0; x < 16; x++) img.getRaster().setSample(x, y, 0, 255);
    byte[] jpeg = withExifOrientation(write(img, "jpeg"), 6);
    assertThat(Orientation.of(ImageFormat.JPEG, jpeg)).isEqualTo(Orientation.ROTATE_90_CW);
    BufferedImage upright = decode(jpeg, "jpeg", 16, 32);
    assertThat(upright.getRaster().getSample(8, 4, 0)).isGreaterThan(200);
    assertThat(upright.getRaster().getSample(8, 28, 0)).isLessThan(50);
    assertThat(Orientation.of(ImageFormat.JPEG, write(img, "jpeg"))).isEqualTo(Orientation.NORMAL);
  }

  @Test
  void everyOrientationMovesACornerWhereExifSaysItGoes() {
    BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
    img.setRGB(0, 0, 0xFF0000); // the stored top-left pixel
    int[][] expectedUprightPosition = {{0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}, {1, 0}, {1, 2}, {0, 2}};
    for (Orientation o : Orientation.values()) {
      BufferedImage up = o.apply(img);
      int[] at = expectedUprightPosition[o.ordinal()];
      assertThat(up.getRGB(at[0], at[1]) & 0xFFFFFF).as(o.name()).isEqualTo(0xFF0000);
      assertThat(up.getWidth()).as(o.name()).isEqualTo(o.swapsSides() ? 2 : 3);
    }
  }

  private BufferedImage decode(byte[] data, String format, int width, int height) throws IOException {
    try (ImageProbe.OpenedImage image = probe.open(data)) {
      ImageInfo info = image.info();
      assertThat(info.getFormat()).isEqualTo(format);
      assertThat(info.getWidth()).isEqualTo(width);
      assertThat(info.getHeight()).isEqualTo(height);
      BufferedImage read = image.readUpright();
      assertThat(read.getWidth()).isEqualTo(width);
      assertThat(read.getHeight()).isEqualTo(height);
      return read;
    }
  }

  static byte[] write(BufferedImage img, String format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(img, format, out)).isTrue();
    return out.toByteArray();
  }

  private static byte[] ascii(String header, byte[] body) {
    byte[] h = header.getBytes(StandardCharsets.US_ASCII);
    return ByteBuffer.allocate(h.length + body.length).put(h).put(body).array();
  }

  /** Inserts an APP1 Exif segment holding one IFD entry, Orientation = value, right after SOI. */
  static byte[] withExifOrientation(byte[] jpeg, int value) {
    ByteBuffer tiff = ByteBuffer.allocate(26);
    tiff.put(new byte[] {'M', 'M', 0, 42}).putInt(8).putShort((short) 1)
        .putShort((short) 274).putShort((short) 3).putInt(1).putShort((short) value).putShort((short) 0).putInt(0);
    byte[] ident = {'E', 'x', 'i', 'f', 0, 0};
    int length = 2 + ident.length + tiff.capacity();
    ByteBuffer out = ByteBuffer.allocate(jpeg.length + 2 + length);
    out.put(jpeg, 0, 2).put((byte) 0xFF).put((byte) 0xE1).putShort((short) length).put(ident).put(tiff.array());
    out.put(jpeg, 2, jpeg.length - 2);
    return out.array();
  }
}
