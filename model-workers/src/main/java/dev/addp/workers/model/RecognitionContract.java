package dev.addp.workers.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.addp.workers.recognition.Preprocessor;
import dev.addp.workers.recognition.heads.RefineScore;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Checks, before a worker serves a model, that its manifest's recognition block and preprocessing
 * are things this code implements and that every tensor they name is in the ONNX session with the
 * dtype, rank and (static) sizes the decoding needs. Anything else stops start-up with one message
 * naming the field, what it says and what is allowed: a model is never served half-understood.
 */
public final class RecognitionContract {
  public static final List<String> CLASSIFICATION_KINDS = ManifestKinds.spellings(ManifestKinds.ClassificationKind.class);
  public static final List<String> DETECTION_KINDS = ManifestKinds.spellings(ManifestKinds.DetectionKind.class);
  public static final List<String> SEGMENTATION_KINDS = ManifestKinds.spellings(ManifestKinds.SegmentationKind.class);
  public static final List<String> SIZE_UNITS = ManifestKinds.spellings(ManifestKinds.SizeUnit.class);
  public static final List<String> CLASS_FROM = ManifestKinds.spellings(ManifestKinds.ClassFrom.class);
  public static final List<String> SEG_ACTIVATIONS = ManifestKinds.spellings(ManifestKinds.SegmentationActivation.class);
  public static final List<String> REFINE_KINDS = ManifestKinds.spellings(ManifestKinds.RefineKind.class);

  private final ModelManifest manifest;
  private final Map<String, NodeInfo> inputs;
  private final Map<String, NodeInfo> outputs;

  private RecognitionContract(ModelManifest manifest, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    this.manifest = manifest;
    this.inputs = inputs;
    this.outputs = outputs;
  }

  /** @throws ModelContractException naming the first field that does not hold */
  public static RecognitionSpec validate(ModelManifest manifest, OrtSession session) {
    try {
      return validate(manifest, session.getInputInfo(), session.getOutputInfo());
    } catch (OrtException e) {
      throw new ModelContractException(manifest, "cannot read the session's inputs and outputs: " + e.getMessage());
    }
  }

  static RecognitionSpec validate(ModelManifest manifest, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    RecognitionSpec spec = manifest.recognitionSpec();
    new RecognitionContract(manifest, inputs, outputs).check(spec);
    return spec;
  }

  private void check(RecognitionSpec spec) {
    PreprocessSpec p = manifest.preprocess();
    if (p == null) fail("preprocess", "is missing", "a preprocess block");
    oneOf("preprocess.mode", p.mode(), Preprocessor.MODES);
    oneOf("preprocess.interpolation", p.interpolation(), Preprocessor.INTERPOLATIONS);
    oneOf("preprocess.channels", p.channels(), Preprocessor.CHANNELS);
    if (p.range() != null && !p.range().equals(List.of(0.0, 1.0))) fail("preprocess.range", "is " + p.range(), "[0, 1]");
    if (p.size() < 1) fail("preprocess.size", "is " + p.size(), "a positive number of pixels");
    if (p.modeKind() == ManifestKinds.PreprocessMode.PAD && (p.contentSizeOr(p.size()) < 1 || p.contentSizeOr(p.size()) > p.size())) {
      fail("preprocess.content_size", "is " + p.contentSize(), "1.." + p.size());
    }
    if (manifest.labels() == null || manifest.labels().isEmpty()) fail("labels", "is empty", "one name per class");
    int classes = manifest.labels().size();
    if (spec.graph() == null || !manifest.hasGraph(spec.graph())) {
      fail("recognition.graph", "is '" + spec.graph() + "'", "a key of graphs: " + (manifest.graphs() == null ? "[]" : manifest.graphs().keySet()));
    }
    // the input: float32 [batch, 3, size, size]
    NodeInfo in = inputs.get(spec.input());
    if (in == null) fail("recognition.input", "names '" + spec.input() + "', which the graph does not have", "one of " + inputs.keySet());
    tensor("recognition.input", spec.input(), in, new long[] {-1, 3, p.size(), p.size()});

    RecognitionSpec.Heads heads = spec.heads();
    if (heads == null || (heads.classification() == null && heads.detection() == null && heads.segmentation() == null)) {
      fail("recognition.heads", "names no head", "at least one of classification, detection, segmentation");
    }
    if (heads.classification() != null) {
      RecognitionSpec.Classification c = heads.classification();
      oneOf("recognition.heads.classification.kind", c.kind(), CLASSIFICATION_KINDS);
      output("recognition.heads.classification.output", c.output(), new long[] {-1, classes});
    }
    if (heads.segmentation() != null) {
      RecognitionSpec.Segmentation s = heads.segmentation();
      oneOf("recognition.heads.segmentation.kind", s.kind(), SEGMENTATION_KINDS);
      oneOf("recognition.heads.segmentation.activation", s.activation(), SEG_ACTIVATIONS);
      int stride = positive("recognition.heads.segmentation.stride", s.stride());
      divides("recognition.heads.segmentation.stride", stride, p.size());
      Integer bg = s.background();
      if (bg == null || bg != 0) fail("recognition.heads.segmentation.background", "is " + bg, "0 (channel 0 = background, 1 + c = class c)");
      output("recognition.heads.segmentation.output", s.output(), new long[] {-1, classes + 1, p.size() / stride, p.size() / stride});
    }
    if (heads.detection() != null) {
      RecognitionSpec.Detection d = heads.detection();
      String f = "recognition.heads.detection.";
      oneOf(f + "kind", d.kind(), DETECTION_KINDS);
      oneOf(f + "size_unit", d.sizeUnit(), SIZE_UNITS);
      oneOf(f + "class_from", d.classFrom(), CLASS_FROM);
      if (d.classFromKind() == ManifestKinds.ClassFrom.SEGMENTATION && heads.segmentation() == null) {
        fail(f + "class_from", "is 'segmentation' but the model has no segmentation head", "heatmap");
      }
      int stride = positive(f + "stride", d.stride());
      divides(f + "stride", stride, p.size());
      int kernel = positive(f + "peak_kernel", d.peakKernel());
      if (kernel % 2 == 0) fail(f + "peak_kernel", "is " + kernel, "an odd number (a centred window)");
      positive(f + "max_detections", d.maxDetections());
      if (d.minScore() == null || d.minScore() < 0 || d.minScore() > 1) fail(f + "min_score", "is " + d.minScore(), "a score in [0, 1]");
      if (d.nmsIou() == null || d.nmsIou() <= 0 || d.nmsIou() > 1) fail(f + "nms_iou", "is " + d.nmsIou(), "an IoU in (0, 1]");
      int grid = p.size() / stride;
      output(f + "heatmap", d.heatmap(), new long[] {-1, classes, grid, grid});
      output(f + "size", d.size(), new long[] {-1, 2, grid, grid});
      output(f + "offset", d.offset(), new long[] {-1, 2, grid, grid});
      if (d.refine() != null) checkRefine(spec, d.refine(), classes);
    }
  }

  /** The refine block's own fields; its graph's tensors are checked by {@link #validateCrops} on that graph's session. */
  private void checkRefine(RecognitionSpec spec, RecognitionSpec.Refine r, int classes) {
    String f = "recognition.heads.detection.refine.";
    oneOf(f + "kind", r.kind(), REFINE_KINDS);
    oneOf(f + "score", r.score(), RefineScore.NAMES);
    if (r.graph() == null || !manifest.hasGraph(r.graph()) || r.graph().equals(spec.graph())) {
      fail(f + "graph", r.graph() == null ? "is missing" : "is '" + r.graph() + "'",
          "a key of graphs other than recognition.graph: " + (manifest.graphs() == null ? "[]" : manifest.graphs().keySet()));
    }
    if (r.input() == null) fail(f + "input", "is missing", "the crop graph's input tensor");
    if (r.output() == null) fail(f + "output", "is missing", "the crop graph's output tensor");
    positive(f + "crop_size", r.cropSize());
    if (r.cropScale() == null || !(r.cropScale() > 0)) fail(f + "crop_scale", "is " + r.cropScale(), "a positive factor");
    // the crop graph scores the item classes 0..C-1 and then "no item": the last of C + 1 outputs
    if (r.noneClass() == null || r.noneClass() != classes) fail(f + "none_class", "is " + r.noneClass(), classes + " (after the " + classes + " labels)");
    score(f + "min_score", r.minScore());
    score(f + "paint_min_score", r.paintMinScore());
  }

  /**
   * The refine graph's session against the refine block: input float32 [n, 3, crop_size,
   * crop_size], output float32 [n, labels + 1].
   *
   * @throws ModelContractException naming the first field that does not hold
   */
  public static void validateCrops(ModelManifest manifest, RecognitionSpec.Refine refine, OrtSession session) {
    try {
      validateCrops(manifest, refine, session.getInputInfo(), session.getOutputInfo());
    } catch (OrtException e) {
      throw new ModelContractException(manifest, "cannot read the crop graph's inputs and outputs: " + e.getMessage());
    }
  }

  static void validateCrops(ModelManifest manifest, RecognitionSpec.Refine r, Map<String, NodeInfo> inputs, Map<String, NodeInfo> outputs) {
    RecognitionContract c = new RecognitionContract(manifest, inputs, outputs);
    String f = "recognition.heads.detection.refine.";
    NodeInfo in = inputs.get(r.input());
    if (in == null) c.fail(f + "input", "names '" + r.input() + "', which graph '" + r.graph() + "' does not have", "one of " + inputs.keySet());
    c.tensor(f + "input", r.input(), in, new long[] {-1, 3, r.cropSize(), r.cropSize()});
    NodeInfo out = outputs.get(r.output());
    if (out == null) c.fail(f + "output", "names '" + r.output() + "', which graph '" + r.graph() + "' does not output", "one of " + outputs.keySet());
    c.tensor(f + "output", r.output(), out, new long[] {-1, manifest.labels().size() + 1L});
  }

  private void score(String field, Double value) {
    if (value == null || value < 0 || value > 1) fail(field, "is " + value, "a score in [0, 1]");
  }

  private void output(String field, String name, long[] expected) {
    NodeInfo info = name == null ? null : outputs.get(name);
    if (info == null) fail(field, "names '" + name + "', which the graph does not output", "one of " + outputs.keySet());
    tensor(field, name, info, expected);
  }

  /** float32, the expected rank, and every dimension both sides fix (-1 = any). */
  private void tensor(String field, String name, NodeInfo info, long[] expected) {
    if (!(info.getInfo() instanceof TensorInfo t)) {
      fail(field, "names '" + name + "', which is not a tensor", "a float32 tensor");
      return;
    }
    if (t.type != OnnxJavaType.FLOAT) fail(field, "names '" + name + "' of type " + t.type, "a float32 tensor");
    long[] shape = t.getShape();
    boolean ok = shape.length == expected.length;
    for (int i = 0; ok && i < shape.length; i++) ok = expected[i] < 0 || shape[i] < 0 || shape[i] == expected[i];
    if (!ok) {
      fail(field, "names '" + name + "' of shape " + Arrays.toString(shape) + " in the graph",
          "shape " + Arrays.toString(expected).replace("-1", "any") + " (from labels, preprocess.size and the head)");
    }
  }

  private void oneOf(String field, String value, List<String> allowed) {
    if (value == null || !allowed.contains(value)) fail(field, value == null ? "is missing" : "is '" + value + "'", "one of " + allowed);
  }

  private int positive(String field, Integer value) {
    if (value == null || value < 1) fail(field, value == null ? "is missing" : "is " + value, "a positive integer");
    return value;
  }

  private void divides(String field, int stride, int size) {
    if (size % stride != 0) fail(field, "is " + stride, "a divisor of preprocess.size " + size);
  }

  private void fail(String field, String what, String allowed) {
    throw new ModelContractException(manifest, "manifest.json " + field + " " + what + "; allowed: " + allowed);
  }

  /** A model whose manifest this code cannot serve as written. */
  public static final class ModelContractException extends IllegalStateException {
    public ModelContractException(ModelManifest m, String message) {
      super("model " + m.name() + " " + m.version() + ": " + message);
    }
  }
}
