package dev.addp.workers.generation;

import dev.addp.workers.model.GenerationDefaults;
import java.util.List;
import java.util.Locale;

/** A request's class label resolved against the model: a label name (any case) or its numeric id. */
public final class ClassLabels {
  private ClassLabels() { }

  /**
   * The label value gen_step takes for {@code requested}: its index in {@code labels}, or the
   * conditioning's "none" value when nothing is requested.
   *
   * @throws IllegalArgumentException naming the cause: the model is not conditional, or no label matches
   */
  public static int resolve(String requested, List<String> labels, GenerationDefaults.Conditioning conditioning) {
    if (requested == null) return conditioning == null ? 0 : conditioning.none();
    if (conditioning == null) throw new IllegalArgumentException("this model generates without class labels; label '" + requested + "' cannot be honoured");
    String wanted = requested;
    int classes = Math.min(conditioning.classes(), labels == null ? 0 : labels.size());
    for (int i = 0; i < classes; i++) {
      if (labels.get(i).toLowerCase(Locale.ROOT).equals(wanted.toLowerCase(Locale.ROOT))) return i;
    }
    if (!wanted.isEmpty() && wanted.length() <= 9 && wanted.chars().allMatch(Character::isDigit)) {
      int id = Integer.parseInt(wanted);
      if (id < classes) return id;
    }
    throw new IllegalArgumentException("unknown label '" + abbreviate(requested) + "': expected one of " + labels.subList(0, classes)
        + " or an id 0.." + (classes - 1));
  }

  /** The label's name for display, or null for an unconditional image. */
  public static String name(int label, List<String> labels, GenerationDefaults.Conditioning conditioning) {
    if (conditioning == null || label == conditioning.none() || label < 0 || label >= labels.size()) return null;
    return labels.get(label);
  }

  private static String abbreviate(String s) { return s.length() <= 64 ? s : s.substring(0, 64) + "…"; }
}
