package dev.addp.workers.recognition;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageInfo;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.image.ImageRejectedException;
import java.awt.image.BufferedImage;
import java.io.IOException;

/**
 * Decodes an encoded image to pixels. The header is probed again first (the request may not have
 * come through the ingest stage), so no decode starts on an image over the pixel limits. The pixels
 * come back upright (EXIF orientation applied), so boxes and masks are in the upright picture's pixels.
 */
public final class ImageDecoder {
  private final ImageProbe probe;

  public ImageDecoder(ImageProbe probe) { this.probe = probe; }

  public record Decoded(BufferedImage image, ImageInfo info) { }

  public Decoded decode(byte[] data) {
    try (ImageProbe.OpenedImage image = probe.open(data)) {
      try {
        return new Decoded(image.readUpright(), image.info());
      } catch (IOException | RuntimeException e) {
        throw new ImageRejectedException(ErrorType.CORRUPT_IMAGE, image.info().getFormat() + " image does not decode: " + e.getMessage(), e);
      }
    }
  }
}
