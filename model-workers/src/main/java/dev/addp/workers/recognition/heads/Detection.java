package dev.addp.workers.recognition.heads;

/**
 * One decoded box on the model-input canvas: corners (x0, y0)–(x1, y1), class and score (double:
 * a refined score is a product computed in double, as on the Python side, and ranks by it).
 */
public record Detection(int classId, double score, double x0, double y0, double x1, double y1) {
  public Detection withClass(int c) { return new Detection(c, score, x0, y0, x1, y1); }

  public Detection withClassAndScore(int c, double s) { return new Detection(c, s, x0, y0, x1, y1); }

  public double area() { return Math.max(0, x1 - x0) * Math.max(0, y1 - y0); }

  /** Intersection over union of two boxes (continuous coordinates, no +1). */
  public double iou(Detection o) {
    double iw = Math.min(x1, o.x1) - Math.max(x0, o.x0);
    double ih = Math.min(y1, o.y1) - Math.max(y0, o.y0);
    if (iw <= 0 || ih <= 0) return 0;
    double inter = iw * ih;
    return inter / (area() + o.area() - inter);
  }
}
