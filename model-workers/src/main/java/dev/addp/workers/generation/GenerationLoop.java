package dev.addp.workers.generation;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ADDP's alternating loop (method note §4.2), one step at a time for any set of images, which may
 * belong to different jobs, be at different steps and use different settings: the host side
 * (softmax, sampling, confidence, the new mask) runs per image, then one batched model run turns
 * every image's tokens into pixels and, except at the last step, into the next logits. Generated
 * and edited images share these runs; an edit's first run (its source with the region masked and
 * uniform probabilities, which gives its first logits) rides along with the others' steps.
 */
public final class GenerationLoop {
  private final GenerationModel model;
  private final int maxBatch;
  private final int n;
  private final int k;
  private final long[] ids;
  private final float[] mask;
  private final float[] probs;
  private final float[] pixels;
  private final float[] logits;
  private final long[] labels;
  private final float[] guidance;
  /**
   * Pixels of an all-masked step, per sampling temperature, label and guidance (they depend on nothing else);
   * the temperature comes from requests, so only the most recent few are kept.
   */
  private final Map<AllMaskedKey, float[]> allMaskedPixels = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<AllMaskedKey, float[]> eldest) { return size() > 32; }
  };

  /** All-masked logits per label and guidance (requests choose the strength, so only the most recent few are kept). */
  private final Map<GuidedKey, float[]> allMaskedLogits = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<GuidedKey, float[]> eldest) { return size() > 32; }
  };

  private record AllMaskedKey(float temperature, GuidedKey guided) { }

  /** A label value and its guidance strength, 0 for an image without a label (where guidance does nothing). */
  private record GuidedKey(int label, float guidance) { }

  public GenerationLoop(GenerationModel model, int maxBatch) {
    this.model = model;
    this.maxBatch = maxBatch;
    this.n = model.tokens();
    this.k = model.codebookSize();
    this.ids = new long[maxBatch * n];
    this.mask = new float[maxBatch * n];
    this.probs = new float[maxBatch * n * k];
    this.pixels = new float[maxBatch * model.pixelCount()];
    this.logits = new float[maxBatch * n * k];
    this.labels = new long[maxBatch];
    this.guidance = new float[maxBatch];
  }

  public GenerationModel model() { return model; }

  public int maxBatch() { return maxBatch; }

  /** An unconditional generated image. */
  public ImageTrack newTrack(LoopSettings settings, Uniforms uniforms) { return newTrack(settings, uniforms, ImageStart.generate(model.noLabel())); }

  public ImageTrack newTrack(LoopSettings settings, Uniforms uniforms, ImageStart start) {
    return new ImageTrack(settings, uniforms, n, k, model.pixelCount(), start);
  }

  /** Advances every unfinished track by one step. */
  public void step(List<ImageTrack> tracks) throws OrtException { step(tracks, null); }

  /** As {@link #step(List)}; {@code options} lets another thread terminate the model run in flight. */
  public void step(List<ImageTrack> tracks, OrtSession.RunOptions options) throws OrtException {
    Plan plan = plan(tracks);
    execute(plan, options);
    complete(plan);
  }

  /** One step split in three, so that a terminated model run can be run again without drawing new samples. */
  public static final class Plan {
    final List<ImageTrack> tracks = new ArrayList<>();
    final List<ImageTrack> toStep = new ArrayList<>();
    final List<ImageTrack> toRender = new ArrayList<>();
  }

  /** The host half for every unfinished track: samples, confidences and new masks. */
  public Plan plan(List<ImageTrack> tracks) {
    Plan plan = new Plan();
    for (ImageTrack t : tracks) {
      if (t.done()) continue;
      plan.tracks.add(t);
      if (!t.primed) { // an edit's first logits: its source with the region masked, probabilities uniform
        java.util.Arrays.fill(t.probs, 1f / k);
        plan.toStep.add(t);
        continue;
      }
      select(t);
      boolean last = t.step == t.settings.steps() - 1;
      if (last) {
        plan.toRender.add(t);
      } else if (t.allMasked && allMaskedPixels.containsKey(allMaskedKey(t))) {
        float[] cached = allMaskedPixels.get(allMaskedKey(t));
        System.arraycopy(cached, 0, t.pixels, 0, cached.length);
      } else {
        plan.toStep.add(t);
      }
    }
    return plan;
  }

  /** The model half: batched runs of gen_step and render. Safe to repeat after a terminated run. */
  public void execute(Plan plan, OrtSession.RunOptions options) throws OrtException {
    runInChunks(true, plan.toStep, options);
    runInChunks(false, plan.toRender, options);
  }

  /** Ends the step for the plan's tracks. */
  public void complete(Plan plan) {
    for (ImageTrack t : plan.tracks) {
      if (!t.primed) {
        t.primed = true; // the step itself comes next
        continue;
      }
      if (t.allMasked) allMaskedPixels.putIfAbsent(allMaskedKey(t), t.pixels.clone());
      t.step++;
    }
  }

  /** Host half of a step: distribution, samples at masked positions, confidence, the new mask. */
  private void select(ImageTrack t) {
    float[] current = t.allMasked ? allMaskedLogits.computeIfAbsent(guidedKey(t), g -> model.allMaskedLogits(g.label(), g.guidance()))
        : t.logits;
    float temperature = temperature(t);
    t.uniforms.next(t.step, t.uSample, t.uGumbel);
    double tau = t.settings.choiceTemperatureAt(t.step);
    for (int i = 0; i < n; i++) {
      if (t.mask[i] == 0f) {
        t.confidence[i] = Double.POSITIVE_INFINITY; // reliable positions stay reliable
        continue;
      }
      StepKernel.softmax(current, t.probs, i * k, k, temperature);
      int id = StepKernel.sample(t.probs, i * k, k, t.uSample[i]);
      t.ids[i] = id;
      t.confidence[i] = Math.log(t.probs[i * k + id]) + tau * StepKernel.gumbel(t.uGumbel[i]);
    }
    int stillMasked = t.edit ? editMaskedAfter(t) : t.settings.schedule().maskedAfter(t.step, t.settings.steps(), n);
    StepKernel.bottomK(t.confidence, stillMasked, t.mask, 0, t.order);
    t.allMasked = !t.edit && stillMasked == n;
  }

  /** An edit's schedule is the generation schedule over its region's tokens (none for an empty region). */
  private static int editMaskedAfter(ImageTrack t) {
    return t.regionSize == 0 ? 0 : t.settings.schedule().maskedAfter(t.step, t.settings.steps(), t.regionSize);
  }

  private void runInChunks(boolean withLogits, List<ImageTrack> group, OrtSession.RunOptions options) throws OrtException {
    int px = model.pixelCount();
    for (int start = 0; start < group.size(); start += maxBatch) {
      int b = Math.min(maxBatch, group.size() - start);
      for (int j = 0; j < b; j++) {
        ImageTrack t = group.get(start + j);
        System.arraycopy(t.ids, 0, ids, j * n, n);
        System.arraycopy(t.mask, 0, mask, j * n, n);
        System.arraycopy(t.probs, 0, probs, j * n * k, n * k);
        labels[j] = t.label;
        guidance[j] = t.guidance;
      }
      model.run(withLogits, b, ids, mask, probs, labels, guidance, pixels, logits, options);
      for (int j = 0; j < b; j++) {
        ImageTrack t = group.get(start + j);
        System.arraycopy(pixels, j * px, t.pixels, 0, px);
        if (withLogits) System.arraycopy(logits, j * n * k, t.logits, 0, n * k);
      }
    }
  }

  private static float temperature(ImageTrack t) { return (float) t.settings.temperature(); }

  private AllMaskedKey allMaskedKey(ImageTrack t) { return new AllMaskedKey(temperature(t), guidedKey(t)); }

  private GuidedKey guidedKey(ImageTrack t) { return new GuidedKey(t.label, t.label == model.noLabel() ? 0f : t.guidance); }
}
