package dev.addp.workers.model;

import java.util.List;

/**
 * How an image becomes the model input. {@code pad}: resize so the longer side is content_size
 * (no-op when it already is), then centre-pad to size×size with fill. {@code resize_center_crop}:
 * resize the shorter side to size, then centre-crop size×size. {@code range}: the value range of
 * the input ([0, 1] is what the preprocessor writes).
 */
public record PreprocessSpec(String mode, Integer contentSize, int size, Double fill, String interpolation, String channels,
                             List<Double> range) {
  public PreprocessSpec(String mode, Integer contentSize, int size, Double fill, String interpolation, String channels) {
    this(mode, contentSize, size, fill, interpolation, channels, List.of(0.0, 1.0));
  }

  /** The mode as its kind (validated at start-up by {@link RecognitionContract}). */
  public ManifestKinds.PreprocessMode modeKind() { return ManifestKinds.of(ManifestKinds.PreprocessMode.class, mode); }

  public int contentSizeOr(int fallback) { return contentSize == null ? fallback : contentSize; }

  public float fillValue() { return fill == null ? 0f : fill.floatValue(); }
}
