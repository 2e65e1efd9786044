package dev.addp.workers.model;

/**
 * How an image becomes the model input. {@code pad}: resize so the longer side is content_size
 * (no-op when it already is), then centre-pad to size×size with fill. {@code resize_center_crop}:
 * resize the shorter side to size, then centre-crop size×size.
 */
public record PreprocessSpec(String mode, Integer contentSize, int size, Double fill, String interpolation, String channels) {
  public int contentSizeOr(int fallback) { return contentSize == null ? fallback : contentSize; }

  public float fillValue() { return fill == null ? 0f : fill.floatValue(); }
}
