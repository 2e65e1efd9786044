package dev.addp.app.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * COCO-style box AP, exactly the protocol of DENSE_CONTRACT.md (shared with the Python export):
 * per category and IoU threshold 0.50:0.05:0.95, that category's detections over all images by
 * score (stable), each matched greedily to the unmatched ground truth of highest IoU ≥ t in its
 * image (crowd boxes ignored); precision made monotone from the right and read at the 101 recall
 * points 0:0.01:1 (np.linspace; first recall ≥ r, else 0); categories without ground truth skipped; at most
 * {@link #MAX_PER_IMAGE} detections per image (the highest scores). IoU on continuous [x, y, w, h].
 */
public final class BoxAp {
  public static final int MAX_PER_IMAGE = 100;
  public static final double[] THRESHOLDS = thresholds();

  /** A box: 0-based class, score (ignored for ground truth), COCO [x, y, w, h]. */
  public record Box(int classId, double score, double x, double y, double w, double h) { }

  /** AP averaged over categories and all ten thresholds, and at 0.5 and 0.75 alone. */
  public record Result(double ap, double ap50, double ap75, int categories) { }

  private final int classes;
  private final List<List<Box>> truth = new ArrayList<>();
  private final List<List<Box>> detections = new ArrayList<>();

  public BoxAp(int classes) { this.classes = classes; }

  /** Adds one image: its ground truth (non-crowd) and its detections. */
  public void add(List<Box> groundTruth, List<Box> detected) {
    truth.add(List.copyOf(groundTruth));
    List<Box> d = new ArrayList<>(detected);
    d.sort(Comparator.comparingDouble((Box b) -> -b.score()));
    detections.add(d.size() > MAX_PER_IMAGE ? List.copyOf(d.subList(0, MAX_PER_IMAGE)) : List.copyOf(d));
  }

  public Result result() {
    double sum = 0;
    double sum50 = 0;
    double sum75 = 0;
    int counted = 0;
    for (int c = 0; c < classes; c++) {
      int gts = 0;
      for (List<Box> t : truth) for (Box b : t) if (b.classId() == c) gts++;
      if (gts == 0) continue;
      counted++;
      for (int ti = 0; ti < THRESHOLDS.length; ti++) {
        double ap = ap(c, THRESHOLDS[ti], gts);
        sum += ap;
        if (ti == 0) sum50 += ap;
        if (ti == 5) sum75 += ap;
      }
    }
    if (counted == 0) return new Result(0, 0, 0, 0);
    return new Result(sum / (counted * THRESHOLDS.length), sum50 / counted, sum75 / counted, counted);
  }

  /** AP of one category at one IoU threshold. */
  double ap(int c, double t, int gts) {
    record Det(int image, Box box) { }
    List<Det> dets = new ArrayList<>();
    for (int i = 0; i < detections.size(); i++) for (Box b : detections.get(i)) if (b.classId() == c) dets.add(new Det(i, b));
    dets.sort(Comparator.comparingDouble((Det d) -> -d.box().score())); // stable: image order, then score order within it
    List<boolean[]> used = new ArrayList<>();
    for (List<Box> img : truth) used.add(new boolean[img.size()]);
    double[] precision = new double[dets.size()];
    double[] recall = new double[dets.size()];
    int tp = 0;
    for (int k = 0; k < dets.size(); k++) {
      Det d = dets.get(k);
      List<Box> gt = truth.get(d.image());
      int best = -1;
      double bestIou = t;
      for (int g = 0; g < gt.size(); g++) {
        if (gt.get(g).classId() != c || used.get(d.image())[g]) continue;
        double iou = iou(d.box(), gt.get(g));
        if (iou >= bestIou && (best < 0 || iou > bestIou)) {
          best = g;
          bestIou = iou;
        }
      }
      if (best >= 0) {
        used.get(d.image())[best] = true;
        tp++;
      }
      precision[k] = (double) tp / (k + 1);
      recall[k] = (double) tp / gts;
    }
    for (int k = precision.length - 2; k >= 0; k--) precision[k] = Math.max(precision[k], precision[k + 1]);
    double sum = 0;
    int k = 0;
    for (int r = 0; r <= 100; r++) { // r = 100 gives 1.0 exactly, as linspace's last point
      double level = RECALL_STEP * r; // as np.linspace(0, 1, 101), to the last bit
      while (k < recall.length && recall[k] < level) k++;
      sum += k < recall.length ? precision[k] : 0;
    }
    return sum / 101;
  }

  public static double iou(Box a, Box b) {
    double iw = Math.min(a.x() + a.w(), b.x() + b.w()) - Math.max(a.x(), b.x());
    double ih = Math.min(a.y() + a.h(), b.y() + b.h()) - Math.max(a.y(), b.y());
    if (iw <= 0 || ih <= 0) return 0;
    double inter = iw * ih;
    return inter / (a.w() * a.h() + b.w() * b.h() - inter);
  }

  private static final double RECALL_STEP = 0.01;

  /** 0.50, 0.55, ..., 0.95 rounded to two decimals, as the Python export (np.round(np.arange(.5, .951, .05), 2)). */
  private static double[] thresholds() {
    double[] t = new double[10];
    for (int i = 0; i < 10; i++) t[i] = Math.round((0.5 + 0.05 * i) * 100) / 100.0;
    return t;
  }
}
