package dev.addp.platform.image;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/** Image formats recognised by their magic bytes; only some are supported for decoding. */
public enum ImageFormat {
  PNG("png", true), JPEG("jpeg", true), GIF("gif", true), BMP("bmp", true), WEBP("webp", true),
  TIFF("tiff", true), PNM("pnm", true), PDF("pdf", false), ISO_BMFF("heif/avif", false), SVG("svg", false),
  PSD("psd", false), ICO("ico", false), JPEG2000("jpeg2000", false);

  private final String label;
  private final boolean supported;

  ImageFormat(String label, boolean supported) {
    this.label = label;
    this.supported = supported;
  }

  public String label() { return label; }

  public boolean supported() { return supported; }

  /** The format whose signature starts the data, if any (hand-written: a table lookup no library offers on its own). */
  public static Optional<ImageFormat> sniff(byte[] d) {
    if (startsWith(d, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) return Optional.of(PNG);
    if (startsWith(d, 0, 0xFF, 0xD8, 0xFF)) return Optional.of(JPEG);
    if (startsWith(d, 0, 'G', 'I', 'F', '8') && d.length > 5 && (d[4] == '7' || d[4] == '9') && d[5] == 'a') return Optional.of(GIF);
    if (startsWith(d, 0, 'B', 'M') && d.length >= 26) return Optional.of(BMP);
    if (startsWith(d, 0, 'R', 'I', 'F', 'F') && startsWith(d, 8, 'W', 'E', 'B', 'P')) return Optional.of(WEBP);
    if (startsWith(d, 0, 'I', 'I', 0x2A, 0x00) || startsWith(d, 0, 'M', 'M', 0x00, 0x2A)) return Optional.of(TIFF);
    if (isNetpbm(d)) return Optional.of(PNM);
    if (startsWith(d, 0, '%', 'P', 'D', 'F')) return Optional.of(PDF);
    if (startsWith(d, 4, 'f', 't', 'y', 'p')) return Optional.of(ISO_BMFF);
    if (startsWith(d, 0, '8', 'B', 'P', 'S')) return Optional.of(PSD);
    if (startsWith(d, 0, 0x00, 0x00, 0x01, 0x00)) return Optional.of(ICO);
    if (startsWith(d, 0, 0x00, 0x00, 0x00, 0x0C, 'j', 'P', ' ', ' ') || startsWith(d, 0, 0xFF, 0x4F, 0xFF, 0x51)) return Optional.of(JPEG2000);
    String head = new String(d, 0, Math.min(d.length, 256), StandardCharsets.ISO_8859_1).stripLeading();
    if (head.startsWith("<svg") || (head.startsWith("<?xml") && head.contains("<svg"))) return Optional.of(SVG);
    return Optional.empty();
  }

  /** PBM/PGM/PPM/PAM: "P1".."P7" followed by whitespace (the Netpbm magic numbers). */
  private static boolean isNetpbm(byte[] d) {
    return d.length >= 3 && d[0] == 'P' && d[1] >= '1' && d[1] <= '7' && Character.isWhitespace(d[2]);
  }

  /** Labels of the formats that decode, for messages. */
  public static String supportedLabels() {
    return String.join(", ", Arrays.stream(values()).filter(ImageFormat::supported).map(ImageFormat::label).toList());
  }

  private static boolean startsWith(byte[] d, int offset, int... sig) {
    if (d.length < offset + sig.length) return false;
    for (int i = 0; i < sig.length; i++) {
      if ((d[offset + i] & 0xFF) != sig[i]) return false;
    }
    return true;
  }

  /**
   * Whether the data ends the way a complete file of this format ends (PNG: IEND chunk, JPEG: EOI
   * marker near the end, GIF: trailer byte). A cheap truncation check without decoding.
   */
  public boolean looksComplete(byte[] d) {
    switch (this) {
      case PNG:
        return d.length >= 12 && Arrays.equals(Arrays.copyOfRange(d, d.length - 8, d.length - 4),
            new byte[] {'I', 'E', 'N', 'D'});
      case JPEG:
        for (int i = d.length - 2; i >= Math.max(2, d.length - 64); i--) {
          if ((d[i] & 0xFF) == 0xFF && (d[i + 1] & 0xFF) == 0xD9) return true;
        }
        return false;
      case GIF:
        return d[d.length - 1] == 0x3B;
      default:
        return true;
    }
  }
}
