package dev.addp.workers.model;

/**
 * The manifest's {@code recognition} block: which graph recognises images, its input tensor, and
 * each head's output tensors and decoding. A head left out is a task the model does not serve.
 * Checked against the ONNX session by {@link RecognitionContract} before a worker serves it.
 */
public record RecognitionSpec(String graph, String input, Heads heads) {

  public record Heads(Classification classification, Detection detection, Segmentation segmentation) { }

  /** {@code kind}: softmax (one label per image, top-k) or multilabel (independent sigmoid presence scores). */
  public record Classification(String kind, String output) {
    public ManifestKinds.ClassificationKind classificationKind() { return ManifestKinds.of(ManifestKinds.ClassificationKind.class, kind); }
  }

  /**
   * CenterNet decoding: per-class centre heat-map, box size and sub-cell offset on a grid of
   * {@code stride}-pixel cells; peaks are {@code peakKernel}² local maxima.
   */
  public record Detection(String kind, String heatmap, String size, String offset, Integer stride, Integer peakKernel,
                          Integer maxDetections, Double minScore, Double nmsIou, String sizeUnit, String classFrom,
                          Refine refine) {
    public ManifestKinds.ClassFrom classFromKind() { return ManifestKinds.of(ManifestKinds.ClassFrom.class, classFrom); }
  }

  /**
   * The optional second stage of detection ({@code kind} crop_classifier): the candidates scoring at
   * least {@code minScore} are cut from the model input as {@code cropSize}² squares (side = the
   * box's longer side · {@code cropScale}) and classified by graph {@code graph} ({@code input} →
   * {@code output}: one probability per class plus {@code noneClass}, "no item"); each box takes the
   * crop's class and a score per {@code score}; boxes scoring at least {@code paintMinScore} relabel
   * the segmentation's foreground inside them. Python: models/addp/crops.py.
   */
  public record Refine(String kind, String graph, String input, String output, Integer cropSize, Double cropScale,
                       Integer noneClass, String score, Double minScore, Double paintMinScore) { }

  /** Semantic segmentation: per-pixel class scores (channel {@code background} is background, 1 + c class c). */
  public record Segmentation(String kind, String output, String activation, Integer background, Integer stride) { }
}
