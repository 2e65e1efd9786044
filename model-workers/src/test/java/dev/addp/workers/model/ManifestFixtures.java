package dev.addp.workers.model;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Manifests written for tests: the committed ones edited, or a small dense one. */
public final class ManifestFixtures {
  private ManifestFixtures() { }

  /** A dense-style manifest: 2 labels, 16×16 canvas, CenterNet at stride 4, semantic at stride 1. */
  public static ObjectNode dense(String classFrom) throws IOException {
    ObjectNode m = (ObjectNode) ZooFixtures.JSON.readTree("""
        {"name": "tiny-dense", "version": "0.0.1", "labels": ["a", "b"],
         "graphs": {"dense": {"file": "dense.onnx", "inputs": [{"name": "pixels", "dtype": "float32", "shape": ["batch", 3, 16, 16]}]}},
         "preprocess": {"mode": "pad", "content_size": 16, "size": 16, "fill": 0.0, "interpolation": "bilinear", "channels": "rgb", "range": [0, 1]},
         "recognition": {"graph": "dense", "input": "pixels", "heads": {
           "classification": {"kind": "multilabel", "output": "presence"},
           "detection": {"kind": "centernet", "heatmap": "heatmap", "size": "size", "offset": "offset", "stride": 4,
                         "peak_kernel": 3, "max_detections": 100, "min_score": 0.05, "nms_iou": 0.5,
                         "size_unit": "input_pixels", "class_from": "heatmap"},
           "segmentation": {"kind": "semantic", "output": "seg", "activation": "softmax", "background": 0, "stride": 1}}}}
        """);
    ((ObjectNode) m.at("/recognition/heads/detection")).put("class_from", classFrom);
    return m;
  }

  /** Writes {@code manifest} as dir/manifest.json and reads it back as the workers do. */
  public static ModelManifest write(Path dir, ObjectNode manifest) throws IOException {
    Files.createDirectories(dir);
    ZooFixtures.JSON.writeValue(dir.resolve("manifest.json").toFile(), manifest);
    return ModelManifest.read(dir);
  }

  /** A copy of a committed model directory (graph files linked, not copied) with its manifest edited. */
  public static Path copyWith(Path modelDir, Path target, java.util.function.Consumer<ObjectNode> edit) throws IOException {
    Files.createDirectories(target);
    try (var files = Files.list(modelDir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().endsWith(".onnx")) Files.createSymbolicLink(target.resolve(f.getFileName()), f.toAbsolutePath());
      }
    }
    ObjectNode m = (ObjectNode) ZooFixtures.json(modelDir.resolve("manifest.json"));
    edit.accept(m);
    ZooFixtures.JSON.writeValue(target.resolve("manifest.json").toFile(), m);
    return target;
  }
}
