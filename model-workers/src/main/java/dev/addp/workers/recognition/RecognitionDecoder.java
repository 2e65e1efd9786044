package dev.addp.workers.recognition;

import dev.addp.avro.Box;
import dev.addp.avro.Classification;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.Mask;
import dev.addp.avro.Task;
import dev.addp.schemas.coco.CocoRle;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.PreprocessSpec;
import dev.addp.workers.model.RecognitionSpec;
import dev.addp.workers.recognition.heads.CenterNetDecoder;
import dev.addp.workers.recognition.heads.Classifications;
import dev.addp.workers.recognition.heads.Detection;
import dev.addp.workers.recognition.heads.SemanticMasks;
import java.util.ArrayList;
import java.util.List;

/**
 * One image's model outputs → the classifications, boxes and masks its request asked for, in
 * original image pixels. Every constant comes from the manifest (validated at start-up); the
 * request may raise the score threshold and change the number of boxes.
 */
public final class RecognitionDecoder {
  private final List<String> labels;
  private final RecognitionSpec.Heads heads;
  private final PreprocessSpec preprocess;
  private final Classifications classifications;
  private final CenterNetDecoder centerNet;
  private final SemanticMasks semantic;

  public RecognitionDecoder(ModelManifest manifest, RecognitionSpec spec) {
    this.labels = manifest.labels();
    this.heads = spec.heads();
    this.preprocess = manifest.preprocess();
    int size = manifest.preprocess().size();
    this.classifications = heads.classification() == null ? null : new Classifications(labels, heads.classification().kind());
    RecognitionSpec.Detection d = heads.detection();
    this.centerNet = d == null ? null : new CenterNetDecoder(labels.size(), size / d.stride(), d.stride(), d.peakKernel());
    RecognitionSpec.Segmentation s = heads.segmentation();
    this.semantic = s == null ? null : new SemanticMasks(labels.size() + 1, size / s.stride(), s.stride());
  }

  /** What one image yields. */
  public record Decoded(List<Classification> classifications, List<Box> boxes, List<Mask> masks) { }

  /** Image {@code j} of the run, for a request whose image is {@code width × height}. */
  public Decoded decode(RecognitionModel.Outputs out, int j, ImageRequest req, int width, int height) {
    List<Task> tasks = req.getTasks();
    float threshold = req.getScoreThreshold();
    List<Classification> labelsOut = List.of();
    if (tasks.contains(Task.CLASSIFY)) {
      String o = heads.classification().output();
      labelsOut = classifications.top(out.get(o), j * out.perImage(o), req.getTopK(), threshold);
    }
    boolean detect = tasks.contains(Task.DETECT);
    boolean segment = tasks.contains(Task.SEGMENT);
    if (!detect && !segment) return new Decoded(labelsOut, List.of(), List.of());

    LetterboxMapping mapping = LetterboxMapping.of(preprocess, width, height);
    int[] argmax = null;
    float[] meanScores = null;
    if (semantic != null && (segment || "segmentation".equals(heads.detection() == null ? null : heads.detection().classFrom()))) {
      String o = heads.segmentation().output();
      argmax = semantic.argmax(out.get(o), j * out.perImage(o));
      if (segment) meanScores = semantic.meanScores(out.get(o), j * out.perImage(o), argmax);
    }
    List<Box> boxes = new ArrayList<>();
    if (detect) {
      for (Detection det : detections(out, j, req, argmax)) {
        double[] b = mapping.toOriginalBox(det.x0(), det.y0(), det.x1(), det.y1());
        if (b == null) continue; // wholly on the padding
        boxes.add(new Box(det.classId(), labels.get(det.classId()), det.score(), (float) b[0], (float) b[1], (float) b[2], (float) b[3]));
      }
    }
    List<Mask> masks = new ArrayList<>();
    if (segment) {
      int[] pixels = semantic.toOriginal(argmax, mapping);
      for (int ch = 1; ch <= labels.size(); ch++) {
        if (meanScores[ch] < threshold) continue;
        Mask m = mask(SemanticMasks.classMask(pixels, ch), ch - 1, meanScores[ch], width, height, -1);
        if (m.getArea() > 0) masks.add(m);
      }
      for (int i = 0; i < boxes.size(); i++) {
        Box b = boxes.get(i);
        boolean[] inst = SemanticMasks.instanceMask(pixels, width, height, b.getLabelId() + 1, b.getX(), b.getY(), b.getWidth(), b.getHeight());
        masks.add(mask(inst, b.getLabelId(), b.getScore(), width, height, i));
      }
    }
    return new Decoded(labelsOut, boxes, masks);
  }

  private List<Detection> detections(RecognitionModel.Outputs out, int j, ImageRequest req, int[] argmax) {
    RecognitionSpec.Detection d = heads.detection();
    double minScore = Math.max(d.minScore(), req.getScoreThreshold());
    int k = req.getMaxDetections() > 0 ? req.getMaxDetections() : d.maxDetections();
    List<Detection> found = centerNet.decode(out.get(d.heatmap()), j * out.perImage(d.heatmap()),
        out.get(d.size()), j * out.perImage(d.size()), out.get(d.offset()), j * out.perImage(d.offset()), minScore, k);
    if ("segmentation".equals(d.classFrom())) {
      List<Detection> relabelled = new ArrayList<>(found.size());
      for (Detection det : found) {
        int c = semantic.majorityClass(argmax, det);
        relabelled.add(c < 0 ? det : det.withClass(c));
      }
      found = relabelled;
    }
    return CenterNetDecoder.nms(found, d.nmsIou());
  }

  private Mask mask(boolean[] pixels, int classId, float score, int width, int height, int boxIndex) {
    long[] counts = CocoRle.counts(pixels, height, width);
    return Mask.newBuilder().setLabelId(classId).setLabel(labels.get(classId)).setScore(score)
        .setHeight(height).setWidth(width).setCounts(CocoRle.toString(counts))
        .setArea(CocoRle.area(counts)).setBoxIndex(boxIndex).build();
  }
}
