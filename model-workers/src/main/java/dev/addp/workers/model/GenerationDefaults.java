package dev.addp.workers.model;

import com.fasterxml.jackson.annotation.JsonProperty;

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
   * manifest's labels (0 .. classes-1) or {@code none} for an unconditional image; {@code guidance}
   * is its classifier-free guidance, or null when the graph has none.
   */
  public record Conditioning(String input, int classes, int none, Guidance guidance) {
    public Conditioning(String input, int classes, int none) { this(input, classes, none, null); }
  }

  /**
   * Classifier-free guidance inside {@code gen_step}: tensor {@code input} (float32 [batch]) takes a
   * strength w per image in [0, max], and the graph's logits are l_label + w * (l_label - l_none).
   * {@code strength} is the manifest's {@code default}, used when a request sets none.
   */
  public record Guidance(String input, @JsonProperty("default") double strength, double max) { }
}
