package dev.addp.platform.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageInfo;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageProbeTest {
  private final ImageProbe probe = new ImageProbe(new ImageLimits(1_000_000, 4_000_000, 4096));

  static byte[] encode(String format, int w, int h) throws IOException {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
    img.setRGB(0, 0, 0xFF8040);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(ImageIO.write(img, format, out)).isTrue();
    return out.toByteArray();
  }

  @ParameterizedTest
  @ValueSource(strings = {"png", "jpeg", "gif", "bmp"})
  void readsFormatAndSizeFromTheHeader(String format) throws IOException {
    ImageInfo info = probe.probe(encode(format, 37, 23));
    assertThat(info.getFormat()).isEqualTo(format);
    assertThat(info.getWidth()).isEqualTo(37);
    assertThat(info.getHeight()).isEqualTo(23);
  }

  @Test
  void rejectsEachKindOfBadImageWithItsOwnReason() throws IOException {
    byte[] png = encode("png", 10, 10);
    expect(new byte[0], ErrorType.EMPTY_IMAGE);
    expect("hello world, not an image".getBytes(StandardCharsets.UTF_8), ErrorType.UNKNOWN_FORMAT);
    expect("%PDF-1.7 ...".getBytes(StandardCharsets.UTF_8), ErrorType.UNSUPPORTED_FORMAT);
    expect(new byte[] {'8', 'B', 'P', 'S', 0, 1, 0, 0, 0, 0, 0, 0}, ErrorType.UNSUPPORTED_FORMAT); // PSD
    expect(Arrays.copyOf(png, png.length - 10), ErrorType.TRUNCATED_IMAGE);
    expect(Arrays.copyOf(encode("jpeg", 40, 40), 200), ErrorType.TRUNCATED_IMAGE);
    expect(encode("png", 5000, 2), ErrorType.TOO_MANY_PIXELS);
    byte[] big = new byte[2_000_000];
    System.arraycopy(png, 0, big, 0, png.length);
    expect(big, ErrorType.IMAGE_TOO_LARGE);
  }

  private void expect(byte[] data, ErrorType type) {
    assertThatThrownBy(() -> probe.probe(data)).isInstanceOf(ImageRejectedException.class)
        .satisfies(e -> assertThat(((ImageRejectedException) e).type()).isEqualTo(type));
  }
}
