package dev.addp.workers.model;

import java.util.List;

/** One graph input or output as the manifest declares it; symbolic dimensions (like "batch") are strings. */
public record TensorSpec(String name, String dtype, List<Object> shape) { }
