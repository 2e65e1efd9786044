package dev.addp.workers.recognition.heads;

import dev.addp.workers.model.RecognitionSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The refine stage's decisions around the crop graph (DENSE_CONTRACT.md, second stage): which
 * candidates are classified, and how the crop's probabilities rename and rescore them before the
 * per-class NMS. The one-pass heads find the items well but name them badly; the crop names them.
 */
public final class CropRefiner {
  private final double minScore;
  private final int noneClass;
  private final RefineScore score;
  private final double nmsIou;

  public CropRefiner(RecognitionSpec.Refine refine, double nmsIou) {
    this.minScore = refine.minScore();
    this.noneClass = refine.noneClass();
    this.score = RefineScore.of(refine.score());
    this.nmsIou = nmsIou;
  }

  /** The candidates the crop graph classifies, in candidate order; the others are dropped. */
  public List<Detection> select(List<Detection> candidates) {
    List<Detection> kept = new ArrayList<>(candidates.size());
    for (Detection d : candidates) if (d.score() >= minScore) kept.add(d);
    return kept;
  }

  /**
   * The selected boxes with their crops' probabilities ({@code noneClass + 1} per box, box k at
   * {@code probs[offset + k · (noneClass + 1)]}) → renamed (most likely item class, ties to the
   * lower index), rescored, re-sorted by the new score (stable) and NMS'd by the new classes.
   */
  public List<Detection> refine(List<Detection> selected, float[] probs, int offset) {
    int width = noneClass + 1;
    List<Detection> renamed = new ArrayList<>(selected.size());
    for (int k = 0; k < selected.size(); k++) {
      int base = offset + k * width;
      int label = 0;
      for (int c = 1; c < noneClass; c++) if (probs[base + c] > probs[base + label]) label = c;
      Detection d = selected.get(k);
      renamed.add(d.withClassAndScore(label, score.score(d.score(), probs[base + label], probs[base + noneClass])));
    }
    renamed.sort(Comparator.comparingDouble((Detection d) -> -d.score())); // List.sort is stable: ties keep candidate order
    return CenterNetDecoder.nms(renamed, nmsIou);
  }
}
