package dev.addp.workers.model;

import java.util.List;

/** One ONNX graph of a model directory. */
public record GraphSpec(String file, String sha256, List<TensorSpec> inputs, List<TensorSpec> outputs) { }
