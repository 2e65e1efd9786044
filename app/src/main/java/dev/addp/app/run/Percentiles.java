package dev.addp.app.run;

import java.util.Collection;
import java.util.List;

/** Nearest-rank percentiles of measured values. */
public final class Percentiles {
  private Percentiles() { }

  public static double of(Collection<? extends Number> values, double q) {
    if (values.isEmpty()) return Double.NaN;
    List<Double> sorted = values.stream().map(Number::doubleValue).sorted().toList();
    int rank = (int) Math.ceil(q / 100.0 * sorted.size());
    return sorted.get(Math.min(sorted.size() - 1, Math.max(0, rank - 1)));
  }
}
