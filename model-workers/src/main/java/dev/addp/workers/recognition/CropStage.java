package dev.addp.workers.recognition;

import ai.onnxruntime.OrtException;
import dev.addp.workers.model.RecognitionSpec;
import dev.addp.workers.recognition.heads.CropSampler;
import dev.addp.workers.recognition.heads.Detection;
import java.util.ArrayList;
import java.util.List;

/**
 * The refine stage's model run: every box a batch's images want classified is cut from its
 * image's model input (the letterboxed canvas the dense graph saw) and all of them go through the
 * crop graph in one run, so a batch costs one dense run plus at most one crop run.
 */
public final class CropStage {
  private final RecognitionModel model;
  private final CropSampler sampler;
  private final int width;   // probabilities per crop
  private float[] buffer = new float[0];

  public CropStage(RecognitionModel model) {
    this.model = model;
    RecognitionSpec.Refine r = model.refine();
    int size = model.preprocessor().inputSize();
    this.sampler = new CropSampler(size, size, r.cropSize(), r.cropScale());
    this.width = r.noneClass() + 1;
  }

  /** One image's boxes and the model input they lie on. */
  public record Image(float[] input, List<Detection> boxes) { }

  /** One image's share of a run's probabilities: its boxes' start at {@code offset}, in box order. */
  public record Share(float[] probs, int offset) { }

  /** Crops every image's boxes and runs the crop graph once (not at all when there are none) → one share per image. */
  public List<Share> run(List<Image> images) throws OrtException {
    int n = 0;
    for (Image img : images) n += img.boxes().size();
    if (n == 0) return images.stream().map(img -> new Share(new float[0], 0)).toList();
    int len = sampler.cropLength();
    if (buffer.length < n * len) buffer = new float[n * len];
    int k = 0;
    for (Image img : images) for (Detection d : img.boxes()) sampler.sample(img.input(), 0, d, buffer, k++ * len);
    float[] probs = model.runCrops(buffer, n);
    List<Share> shares = new ArrayList<>(images.size());
    int at = 0;
    for (Image img : images) {
      shares.add(new Share(probs, at * width));
      at += img.boxes().size();
    }
    return shares;
  }
}
