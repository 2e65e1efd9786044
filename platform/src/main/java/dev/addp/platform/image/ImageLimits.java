package dev.addp.platform.image;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;

/** Bounds on what an image may cost before any pixel is decoded. */
public record ImageLimits(long maxBytes, long maxPixels, int maxSide) {
  public static final ImageLimits DEFAULT = new ImageLimits(10L * 1024 * 1024, 40_000_000L, 16_384);

  public static ImageLimits from(AddpConfig c) {
    return new ImageLimits(c.getLong(Settings.IMAGE_MAX_BYTES),
        c.getLong(Settings.IMAGE_MAX_PIXELS), c.getInt(Settings.IMAGE_MAX_SIDE));
  }
}
