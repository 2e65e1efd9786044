package dev.addp.workers.recognition;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageInfo;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.image.PixelBudget;
import dev.addp.platform.image.ImageRejectedException;
import java.awt.image.BufferedImage;
import java.io.IOException;

/**
 * Decodes an encoded image to pixels. The header is probed again first (the request may not have
 * come through the ingest stage), so no decode starts on an image over the pixel limits. The pixels
 * come back upright (EXIF orientation applied), so boxes and masks are in the upright picture's pixels.
 * Decoding takes the image's pixels from the process's {@link PixelBudget}; they are held until the
 * {@link Decoded} is closed (after preprocessing).
 */
public final class ImageDecoder {
  private final ImageProbe probe;
  private final PixelBudget budget;

  public ImageDecoder(ImageProbe probe, PixelBudget budget) {
    this.probe = probe;
    this.budget = budget;
  }

  /** Upright pixels, their header facts, and the budget they hold until closed. */
  public record Decoded(BufferedImage image, ImageInfo info, PixelBudget.Lease lease) implements AutoCloseable {
    @Override
    public void close() { lease.close(); }
  }

  /** @throws InterruptedException while waiting for the budget */
  public Decoded decode(byte[] data) throws InterruptedException {
    try (ImageProbe.OpenedImage image = probe.open(data)) {
      PixelBudget.Lease lease = budget.acquire((long) image.info().getWidth() * image.info().getHeight());
      try {
        return new Decoded(image.readUpright(), image.info(), lease);
      } catch (IOException | RuntimeException e) {
        lease.close();
        throw new ImageRejectedException(ErrorType.CORRUPT_IMAGE, image.info().getFormat() + " image does not decode: " + e.getMessage(), e);
      } catch (Error e) {
        lease.close();
        throw e;
      }
    }
  }
}
