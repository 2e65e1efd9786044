package dev.addp.workers.generation;

import dev.addp.workers.model.GenerationDefaults;

/** The knobs of one generation run, validated. */
public record LoopSettings(int steps, Schedule schedule, double temperature, double choiceTemperature) {
  public static final int MAX_STEPS = 1024;

  public LoopSettings {
    if (steps < 1 || steps > MAX_STEPS) throw new IllegalArgumentException("steps must be in 1.." + MAX_STEPS + ", got " + steps);
    if (!(temperature > 0 && temperature <= 10)) throw new IllegalArgumentException("temperature must be in (0, 10], got " + temperature);
    if (!(choiceTemperature >= 0 && choiceTemperature <= 100)) {
      throw new IllegalArgumentException("choice_temperature must be in [0, 100], got " + choiceTemperature);
    }
  }

  public static LoopSettings defaults(GenerationDefaults d) {
    return new LoopSettings(d.steps(), Schedule.parse(d.schedule()), d.temperature(), d.choiceTemperature());
  }

  /** Gumbel noise scale at step s: annealed linearly to 0 at the last step ("dynamic" in ADDP). */
  public double choiceTemperatureAt(int s) { return choiceTemperature * (1 - (s + 1) / (double) steps); }
}
