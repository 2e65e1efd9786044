package dev.addp.app.eval;

import dev.addp.app.data.TestScenes;
import dev.addp.avro.Box;
import dev.addp.avro.Mask;
import dev.addp.avro.RecognitionResult;
import dev.addp.schemas.coco.CocoRle;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** Box AP and mask mIoU of the results that came back for the test scenes (DENSE_CONTRACT.md protocol). */
public record DenseScore(double ap, double ap50, double ap75, double miou, int images) {

  /** {@code resultOf(i)}: scene i's result (null when it has none: counted with no boxes and an all-background map). */
  public static DenseScore of(TestScenes scenes, int count, IntFunction<RecognitionResult> resultOf) {
    int classes = scenes.categories().size();
    BoxAp boxes = new BoxAp(classes);
    SemanticIou masks = new SemanticIou(classes + 1);
    for (int i = 0; i < count; i++) {
      RecognitionResult r = resultOf.apply(i);
      List<BoxAp.Box> truth = new ArrayList<>();
      for (TestScenes.GroundTruth g : scenes.boxes().get(i)) {
        if (!g.crowd()) truth.add(new BoxAp.Box(g.classId(), 0, g.bbox()[0], g.bbox()[1], g.bbox()[2], g.bbox()[3]));
      }
      List<BoxAp.Box> found = new ArrayList<>();
      if (r != null) for (Box b : r.getBoxes()) found.add(new BoxAp.Box(b.getLabelId(), b.getScore(), b.getX(), b.getY(), b.getWidth(), b.getHeight()));
      boxes.add(truth, found);
      masks.add(semanticMap(r, scenes.height(), scenes.width()), scenes.semantic(i));
    }
    BoxAp.Result a = boxes.result();
    return new DenseScore(a.ap(), a.ap50(), a.ap75(), masks.mean(), count);
  }

  /** The per-class masks (box_index -1) of a result painted into one label map (0 = background, 1 + c = class c). */
  public static int[] semanticMap(RecognitionResult r, int height, int width) {
    int[] map = new int[height * width];
    if (r == null) return map;
    for (Mask m : r.getMasks()) {
      if (m.getBoxIndex() != -1) continue;
      if (m.getHeight() != height || m.getWidth() != width) {
        throw new IllegalArgumentException("mask of " + m.getWidth() + "×" + m.getHeight() + " for a " + width + "×" + height + " scene");
      }
      boolean[] px = CocoRle.decode(m.getCounts(), height, width);
      for (int p = 0; p < px.length; p++) if (px[p]) map[p] = m.getLabelId() + 1;
    }
    return map;
  }
}
