package dev.addp.platform.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ImageFormatTest {
  @Test
  void sniffsSignatures() {
    assertThat(ImageFormat.sniff(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0})).contains(ImageFormat.PNG);
    assertThat(ImageFormat.sniff(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0})).contains(ImageFormat.JPEG);
    assertThat(ImageFormat.sniff("GIF89a....".getBytes(StandardCharsets.ISO_8859_1))).contains(ImageFormat.GIF);
    assertThat(ImageFormat.sniff("RIFF\0\0\0\0WEBPVP8 ".getBytes(StandardCharsets.ISO_8859_1))).contains(ImageFormat.WEBP);
    assertThat(ImageFormat.sniff("\0\0\0\u0018ftypavif".getBytes(StandardCharsets.ISO_8859_1))).contains(ImageFormat.ISO_BMFF);
    assertThat(ImageFormat.sniff("<?xml version=\"1.0\"?><svg>".getBytes(StandardCharsets.ISO_8859_1))).contains(ImageFormat.SVG);
    assertThat(ImageFormat.sniff(new byte[] {1, 2, 3})).isEmpty();
    assertThat(ImageFormat.sniff(new byte[0])).isEmpty();
  }
}
