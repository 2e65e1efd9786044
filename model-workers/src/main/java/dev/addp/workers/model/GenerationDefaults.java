package dev.addp.workers.model;

/**
 * The manifest's default generation schedule and temperatures, and the class conditioning of
 * {@code gen_step} when the model has one (null: the graph takes no label).
 */
public record GenerationDefaults(String schedule, int steps, double temperature, double choiceTemperature, Double maskRatio,
                                 Conditioning conditioning) {
  public GenerationDefaults(String schedule, int steps, double temperature, double choiceTemperature, Double maskRatio) {
    this(schedule, steps, temperature, choiceTemperature, maskRatio, null);
  }

  /**
   * {@code gen_step}'s class input: tensor {@code input} (int64 [batch]) takes an index into the
   * manifest's labels (0 .. classes-1) or {@code none} for an unconditional image.
   */
  public record Conditioning(String input, int classes, int none) { }
}
