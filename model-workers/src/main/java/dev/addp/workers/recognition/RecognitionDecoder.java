package dev.addp.workers.recognition;

import dev.addp.avro.Box;
import dev.addp.avro.Classification;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.Mask;
import dev.addp.avro.Task;
import dev.addp.schemas.coco.CocoRle;
import dev.addp.workers.model.ManifestKinds;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.PreprocessSpec;
import dev.addp.workers.model.RecognitionSpec;
import dev.addp.workers.recognition.heads.CenterNetDecoder;
import dev.addp.workers.recognition.heads.Classifications;
import dev.addp.workers.recognition.heads.CropRefiner;
import dev.addp.workers.recognition.heads.Detection;
import dev.addp.workers.recognition.heads.SemanticMasks;
import dev.addp.workers.recognition.heads.SemanticPainter;
import java.util.ArrayList;
import java.util.List;

/**
 * One image's model outputs → the classifications, boxes and masks its request asked for, in
 * original image pixels. Every constant comes from the manifest (validated at start-up); the
 * request may raise the score threshold and change the number of boxes. In two steps when the
 * detection head has a refine stage: {@link #firstStage} finds the candidate boxes the crop graph
 * must classify, {@link #decode} takes the crops' probabilities and finishes (rename, rescore,
 * NMS, paint the masks); the caller runs the crop graph in between, once for a whole batch.
 */
public final class RecognitionDecoder {
  private final List<String> labels;
  private final RecognitionSpec.Heads heads;
  private final PreprocessSpec preprocess;
  private final Classifications classifications;
  private final CenterNetDecoder centerNet;
  private final SemanticMasks semantic;
  private final CropRefiner refiner;      // null without a refine stage
  private final SemanticPainter painter;  // null without a refine stage or a segmentation head

  public RecognitionDecoder(ModelManifest manifest, RecognitionSpec spec) {
    this.labels = manifest.labels();
    this.heads = spec.heads();
    this.preprocess = manifest.preprocess();
    int size = manifest.preprocess().size();
    this.classifications = heads.classification() == null ? null : new Classifications(labels, heads.classification().classificationKind());
    RecognitionSpec.Detection d = heads.detection();
    this.centerNet = d == null ? null : new CenterNetDecoder(labels.size(), size / d.stride(), d.stride(), d.peakKernel());
    RecognitionSpec.Segmentation s = heads.segmentation();
    this.semantic = s == null ? null : new SemanticMasks(labels.size() + 1, size / s.stride(), s.stride());
    RecognitionSpec.Refine r = d == null ? null : d.refine();
    this.refiner = r == null ? null : new CropRefiner(r, d.nmsIou());
    this.painter = r == null || s == null ? null : new SemanticPainter(size / s.stride(), s.stride(), r.paintMinScore());
  }

  /** What one image yields. */
  public record Decoded(List<Classification> classifications, List<Box> boxes, List<Mask> masks) { }

  /**
   * Before the crop stage: the seg argmax (null when not needed) and the candidate boxes on the
   * canvas (null when not needed): with a refine stage, those the crop graph must classify, in
   * order ({@link #toCrop}); without, the candidates before NMS.
   */
  public record FirstStage(int[] argmax, List<Detection> candidates, boolean refined) {
    /** The boxes whose crops the crop graph must classify (none without a refine stage). */
    public List<Detection> toCrop() { return refined && candidates != null ? candidates : List.of(); }
  }

  /** Image {@code j}'s first stage, or null when the request asks for neither boxes nor masks. */
  public FirstStage firstStage(RecognitionModel.Outputs out, int j, ImageRequest req) {
    boolean detect = req.getTasks().contains(Task.DETECT);
    boolean segment = req.getTasks().contains(Task.SEGMENT);
    if (!detect && !segment) return null;
    RecognitionSpec.Detection d = heads.detection();
    boolean classFromSeg = d != null && d.classFromKind() == ManifestKinds.ClassFrom.SEGMENTATION;
    int[] argmax = null;
    if (semantic != null && (segment || classFromSeg)) {
      String o = heads.segmentation().output();
      argmax = semantic.argmax(out.get(o), j * out.perImage(o));
    }
    // with a refine stage the painted masks need the refined boxes, so SEGMENT alone finds them too
    List<Detection> candidates = null;
    if (d != null && (detect || (segment && refiner != null))) {
      candidates = candidates(out, j, req, argmax);
      if (refiner != null) candidates = refiner.select(candidates);
    }
    return new FirstStage(argmax, candidates, refiner != null);
  }

  /** Image {@code j} of the run, for a request whose image is {@code width × height}: a model without a refine stage. */
  public Decoded decode(RecognitionModel.Outputs out, int j, ImageRequest req, int width, int height) {
    return decode(out, j, req, width, height, firstStage(out, j, req), null, 0);
  }

  /**
   * Image {@code j} of the run, after its first stage; {@code probs[probsOffset..]}: the crop
   * graph's probabilities of {@link FirstStage#toCrop}, in that order (unused without refine).
   */
  public Decoded decode(RecognitionModel.Outputs out, int j, ImageRequest req, int width, int height, FirstStage first,
                        float[] probs, int probsOffset) {
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

    List<Detection> found = List.of();
    if (first.candidates() != null) {
      if (refiner == null) {
        found = CenterNetDecoder.nms(first.candidates(), heads.detection().nmsIou());
      } else {
        if (probs == null && !first.candidates().isEmpty()) throw new IllegalStateException("the refine stage needs the crops' probabilities");
        found = refiner.refine(first.candidates(), probs, probsOffset);
      }
    }
    LetterboxMapping mapping = LetterboxMapping.of(preprocess, width, height);
    List<Box> boxes = new ArrayList<>();
    if (detect) {
      for (Detection det : found) {
        if (det.score() < threshold) continue; // a refined score may fall below the request's threshold
        double[] b = mapping.toOriginalBox(det.x0(), det.y0(), det.x1(), det.y1());
        if (b == null) continue; // wholly on the padding
        boxes.add(new Box(det.classId(), labels.get(det.classId()), (float) det.score(), (float) b[0], (float) b[1], (float) b[2], (float) b[3]));
      }
    }
    List<Mask> masks = new ArrayList<>();
    if (segment) {
      String o = heads.segmentation().output();
      int[] cells = first.argmax();
      float[] meanScores;
      if (painter != null) {
        SemanticPainter.Painted painted = painter.paint(first.argmax(), found);
        cells = painted.labels();
        meanScores = semantic.meanScores(out.get(o), j * out.perImage(o), cells, painted.boxScore());
      } else {
        meanScores = semantic.meanScores(out.get(o), j * out.perImage(o), cells);
      }
      int[] pixels = semantic.toOriginal(cells, mapping);
      for (int ch = 1; ch <= labels.size(); ch++) {
        if (meanScores[ch] < threshold) continue;
        Mask m = mask(SemanticMasks.classMask(pixels, ch), ch - 1, meanScores[ch], width, height, -1);
        if (m.getArea() > 0) masks.add(m);
      }
      for (int i = 0; i < boxes.size(); i++) {
        Box b = boxes.get(i);
        SemanticMasks.BoxMask inst = SemanticMasks.instanceMask(pixels, width, height, b.getLabelId() + 1, b.getX(), b.getY(),
            b.getWidth(), b.getHeight());
        masks.add(mask(CocoRle.counts(inst.bits(), inst.left(), inst.top(), inst.width(), inst.height(), height, width),
            b.getLabelId(), b.getScore(), width, height, i));
      }
    }
    return new Decoded(labelsOut, boxes, masks);
  }

  /** The candidate boxes before NMS: top-K peaks, renamed by the segmentation where the manifest says so. */
  private List<Detection> candidates(RecognitionModel.Outputs out, int j, ImageRequest req, int[] argmax) {
    RecognitionSpec.Detection d = heads.detection();
    double minScore = Math.max(d.minScore(), req.getScoreThreshold());
    // a request may ask for fewer boxes than the model's cap, never more (the cap bounds the work per image)
    int k = req.getMaxDetections() > 0 ? Math.min(req.getMaxDetections(), d.maxDetections()) : d.maxDetections();
    List<Detection> found = centerNet.decode(out.get(d.heatmap()), j * out.perImage(d.heatmap()),
        out.get(d.size()), j * out.perImage(d.size()), out.get(d.offset()), j * out.perImage(d.offset()), minScore, k);
    if (d.classFromKind() == ManifestKinds.ClassFrom.SEGMENTATION) {
      List<Detection> relabelled = new ArrayList<>(found.size());
      for (Detection det : found) {
        int c = semantic.majorityClass(argmax, det);
        relabelled.add(c < 0 ? det : det.withClass(c));
      }
      found = relabelled;
    }
    return found;
  }

  private Mask mask(boolean[] pixels, int classId, float score, int width, int height, int boxIndex) {
    return mask(CocoRle.counts(pixels, height, width), classId, score, width, height, boxIndex);
  }

  private Mask mask(long[] counts, int classId, float score, int width, int height, int boxIndex) {
    return Mask.newBuilder().setLabelId(classId).setLabel(labels.get(classId)).setScore(score)
        .setHeight(height).setWidth(width).setCounts(CocoRle.toString(counts))
        .setArea(CocoRle.area(counts)).setBoxIndex(boxIndex).build();
  }
}
