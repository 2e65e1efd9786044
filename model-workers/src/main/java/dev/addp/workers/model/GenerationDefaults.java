package dev.addp.workers.model;

/** The manifest's default generation schedule and temperatures. */
public record GenerationDefaults(String schedule, int steps, double temperature, double choiceTemperature, Double maskRatio) { }
