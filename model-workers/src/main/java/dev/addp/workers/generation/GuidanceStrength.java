package dev.addp.workers.generation;

import dev.addp.workers.model.GenerationDefaults;

/** A request's classifier-free guidance strength resolved against the model's manifest. */
public final class GuidanceStrength {
  private GuidanceStrength() { }

  /**
   * The strength gen_step takes: the requested one, or the manifest's default when the request sets
   * none; null when there is nothing to guide (no label, or a model without guidance). A strength
   * given without a label is checked but has no effect.
   *
   * @throws IllegalArgumentException naming the cause: the model has no guidance, or the strength is out of range
   */
  public static Double resolve(Double requested, boolean labelled, GenerationDefaults.Conditioning conditioning) {
    GenerationDefaults.Guidance guidance = conditioning == null ? null : conditioning.guidance();
    if (guidance == null) {
      if (requested != null) {
        throw new IllegalArgumentException("this model has no classifier-free guidance; guidance " + requested + " cannot be honoured");
      }
      return null;
    }
    double w = requested != null ? requested : guidance.strength();
    if (!(Double.isFinite(w) && w >= 0 && w <= guidance.max())) {
      throw new IllegalArgumentException("guidance must be a finite number in [0, " + guidance.max() + "], got " + w);
    }
    return labelled ? w : null;
  }
}
