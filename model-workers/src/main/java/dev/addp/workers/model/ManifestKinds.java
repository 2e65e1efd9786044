package dev.addp.workers.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The kinds a manifest's recognition block may name, each spelled in the manifest as its constant
 * in lower case ({@code "softmax"}, {@code "class_from": "segmentation"}). {@link RecognitionContract}
 * refuses any other spelling at start-up, so the workers compare enums, never strings.
 */
public final class ManifestKinds {
  private ManifestKinds() { }

  /** How an image becomes the model input: letterboxed (pad), or resized and centre-cropped. */
  public enum PreprocessMode { PAD, RESIZE_CENTER_CROP }

  /** Softmax: one label per image (top-k); multilabel: independent sigmoid presence scores. */
  public enum ClassificationKind { SOFTMAX, MULTILABEL }

  public enum DetectionKind { CENTERNET }

  public enum SegmentationKind { SEMANTIC }

  public enum SegmentationActivation { SOFTMAX }

  /** Box sizes in pixels of the model input. */
  public enum SizeUnit { INPUT_PIXELS }

  /** Where a box's class comes from: its heat-map channel, or the segmentation's majority inside it. */
  public enum ClassFrom { HEATMAP, SEGMENTATION }

  public enum RefineKind { CROP_CLASSIFIER }

  /** The manifest spellings of {@code kinds}, in declaration order. */
  public static List<String> spellings(Class<? extends Enum<?>> kinds) {
    return Arrays.stream(kinds.getEnumConstants()).map(k -> k.name().toLowerCase(Locale.ROOT)).toList();
  }

  /** The kind a manifest spells {@code spelling} (validated at start-up: anything else is a programming error here). */
  public static <E extends Enum<E>> E of(Class<E> kinds, String spelling) {
    if (spelling == null || !spellings(kinds).contains(spelling)) {
      throw new IllegalArgumentException("'" + spelling + "' is not one of " + spellings(kinds));
    }
    return Enum.valueOf(kinds, spelling.toUpperCase(Locale.ROOT));
  }
}
