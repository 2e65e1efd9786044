package dev.addp.workers.recognition.heads;

import java.util.Arrays;
import java.util.List;

/**
 * How a refined box is scored from its peak score and its crop's probabilities (manifest
 * {@code refine.score}; models/addp/crops.py {@code refine}): the exporter picks the mode that
 * scores best on the validation scenes, so every mode it may write is implemented here.
 */
public enum RefineScore {
  /** The heat-map peak alone: the crop only renames the box. */
  PEAK("peak"),
  /** Peak · probability of the crop's class. */
  PEAK_TIMES_PROB("peak_times_prob"),
  /** Peak · probability that the crop shows any item (1 − p(no item)). */
  PEAK_TIMES_ITEM("peak_times_item"),
  /** √(peak · probability of the crop's class). */
  SQRT_PEAK_TIMES_PROB("sqrt_peak_times_prob");

  public static final List<String> NAMES = Arrays.stream(values()).map(RefineScore::manifestName).toList();

  private final String manifestName;

  RefineScore(String manifestName) { this.manifestName = manifestName; }

  public String manifestName() { return manifestName; }

  /** The mode the manifest names (validated at start-up, so an unknown name is a programming error here). */
  public static RefineScore of(String name) {
    for (RefineScore s : values()) if (s.manifestName.equals(name)) return s;
    throw new IllegalArgumentException("unknown refine score '" + name + "'; allowed: " + NAMES);
  }

  /** In double, as the Python side computes it (the peak is the float the graph gave). */
  public double score(double peak, double classProb, double noneProb) {
    return switch (this) {
      case PEAK -> peak;
      case PEAK_TIMES_PROB -> peak * classProb;
      case PEAK_TIMES_ITEM -> peak * (1.0 - noneProb);
      case SQRT_PEAK_TIMES_PROB -> Math.sqrt(peak * classProb);
    };
  }
}
