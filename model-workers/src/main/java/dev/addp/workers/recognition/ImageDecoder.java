package dev.addp.workers.recognition;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageInfo;
import dev.addp.platform.image.ImageFormat;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.image.ImageRejectedException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes an encoded image to pixels. The header is probed again first (the request may not have
 * come through the ingest stage), so no decode starts on an image over the pixel limits.
 */
public final class ImageDecoder {
  private final ImageProbe probe;

  public ImageDecoder(ImageProbe probe) { this.probe = probe; }

  public record Decoded(BufferedImage image, ImageInfo info) { }

  public Decoded decode(byte[] data) {
    ImageInfo info = probe.probe(data);
    ImageFormat format = ImageFormat.sniff(data).orElseThrow();
    ImageReader reader = ImageProbe.readerFor(format);
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
      reader.setInput(in, true, true);
      return new Decoded(reader.read(0), info);
    } catch (IOException | RuntimeException e) {
      throw new ImageRejectedException(ErrorType.CORRUPT_IMAGE, info.getFormat() + " image does not decode: " + e.getMessage(), e);
    } finally {
      reader.dispose();
    }
  }
}
