package dev.addp.workers.generation;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.addp.avro.ModelRef;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.onnx.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The generation graphs of a model directory. {@code gen_step} does one loop step in one run:
 * (ids, new mask, probs) → latent (soft where masked) → VQ decode → pixels → encoder + token decoder
 * → next logits. {@code render} stops after the pixels (the last step). One run per step keeps the
 * host↔runtime copies, which Java ONNX Runtime cannot avoid (no IO binding), to one per step.
 */
public final class GenerationModel implements AutoCloseable {
  public static final String STEP = "gen_step";
  public static final String RENDER = "render";

  private final ModelManifest manifest;
  private final OrtSession step;
  private final OrtSession render;
  private final String provider;
  private final ModelRef lineage;
  private final int tokens;
  private final int codebookSize;
  private final int[] imageShape;
  private final float[] allMaskedLogits;

  public GenerationModel(Path modelDir, Device device, int intraOpThreads) throws OrtException {
    this.manifest = ModelManifest.read(modelDir);
    OrtSessions.Opened s = OrtSessions.open(manifest.verifiedGraphFile(modelDir, STEP), device, intraOpThreads);
    this.step = s.session();
    this.provider = s.provider();
    OrtSession r = null;
    try {
      r = OrtSessions.open(manifest.verifiedGraphFile(modelDir, RENDER), device, intraOpThreads).session();
      this.render = r;
      this.lineage = new ModelRef(manifest.name(), manifest.version(), manifest.graph(STEP).sha256());
      this.tokens = manifest.tokens().count();
      this.codebookSize = manifest.tokens().codebookSize();
      var out = manifest.graph(STEP).outputs().stream().filter(t -> t.name().equals("pixels")).findFirst().orElseThrow().shape();
      this.imageShape = new int[] {((Number) out.get(1)).intValue(), ((Number) out.get(2)).intValue(), ((Number) out.get(3)).intValue()};
      this.allMaskedLogits = computeAllMaskedLogits();
    } catch (OrtException | RuntimeException e) { // a half-opened model holds native sessions
      step.close();
      if (r != null) r.close();
      throw e;
    }
  }

  /** With every position masked the decoder sees no data, so its logits are one constant (method note §4.3). */
  private float[] computeAllMaskedLogits() throws OrtException {
    float[] mask = new float[tokens];
    Arrays.fill(mask, 1f);
    float[] probs = new float[tokens * codebookSize];
    Arrays.fill(probs, 1f / codebookSize);
    float[] logits = new float[tokens * codebookSize];
    run(true, 1, new long[tokens], mask, probs, new float[pixelCount()], logits);
    return logits;
  }

  /**
   * One batched run. Inputs and outputs are packed back to back per image; {@code withLogits}
   * picks gen_step (pixels and next logits) or render (pixels only).
   */
  public void run(boolean withLogits, int batch, long[] ids, float[] mask, float[] probs, float[] pixelsOut, float[] logitsOut)
      throws OrtException {
    run(withLogits, batch, ids, mask, probs, pixelsOut, logitsOut, null);
  }

  public void run(boolean withLogits, int batch, long[] ids, float[] mask, float[] probs, float[] pixelsOut, float[] logitsOut,
                  OrtSession.RunOptions options) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OnnxTensor tIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids, 0, batch * tokens), new long[] {batch, tokens});
         OnnxTensor tMask = OnnxTensor.createTensor(env, FloatBuffer.wrap(mask, 0, batch * tokens), new long[] {batch, tokens});
         OnnxTensor tProbs = OnnxTensor.createTensor(env, FloatBuffer.wrap(probs, 0, batch * tokens * codebookSize),
             new long[] {batch, tokens, codebookSize});
         OrtSession.Result r = options == null
             ? (withLogits ? step : render).run(Map.of("ids", tIds, "mask", tMask, "probs", tProbs))
             : (withLogits ? step : render).run(Map.of("ids", tIds, "mask", tMask, "probs", tProbs), options)) {
      ((OnnxTensor) r.get("pixels").orElseThrow()).getFloatBuffer().get(pixelsOut, 0, batch * pixelCount());
      if (withLogits) ((OnnxTensor) r.get("logits").orElseThrow()).getFloatBuffer().get(logitsOut, 0, batch * tokens * codebookSize);
    }
  }

  public ModelManifest manifest() { return manifest; }
  public ModelRef lineage() { return lineage; }
  public String provider() { return provider; }
  public int tokens() { return tokens; }
  public int codebookSize() { return codebookSize; }
  /** [channels, height, width] of the generated images. */
  public int[] imageShape() { return imageShape.clone(); }
  public int pixelCount() { return imageShape[0] * imageShape[1] * imageShape[2]; }
  float[] allMaskedLogits() { return allMaskedLogits; }

  @Override
  public void close() throws OrtException {
    step.close();
    render.close();
  }
}
