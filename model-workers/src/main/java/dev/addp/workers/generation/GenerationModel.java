package dev.addp.workers.generation;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.addp.avro.ModelRef;
import dev.addp.workers.model.GenerationDefaults;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.onnx.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The generation graphs of a model directory. {@code gen_step} does one loop step in one run:
 * (ids, new mask, probs) → latent (soft where masked) → VQ decode → pixels → encoder + token decoder
 * → next logits. {@code render} stops after the pixels (the last step). One run per step keeps the
 * host↔runtime copies, which Java ONNX Runtime cannot avoid (no IO binding), to one per step.
 * When the manifest declares {@code generation.conditioning}, gen_step also takes each image's class
 * label (an index into the manifest's labels, or the "none" value for an unconditional image), and,
 * when it declares {@code conditioning.guidance}, each image's classifier-free guidance strength.
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
  private final GenerationDefaults.Conditioning conditioning;
  /** Per label value (one entry, index 0, for a model without conditioning). */
  private final float[][] allMaskedLogits;

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
      this.conditioning = manifest.generation().conditioning();
      checkConditioning(manifest);
      this.allMaskedLogits = computeAllMaskedLogits();
    } catch (OrtException | RuntimeException e) { // a half-opened model holds native sessions
      step.close();
      if (r != null) r.close();
      throw e;
    }
  }

  /**
   * The graph must take the label input when the manifest declares conditioning, and the guidance
   * input when it declares guidance, whose default must lie in [0, max].
   */
  static void checkConditioning(ModelManifest manifest) {
    GenerationDefaults.Conditioning conditioning = manifest.generation().conditioning();
    if (conditioning == null) return;
    if (!stepTakes(manifest, conditioning.input())) {
      throw new IllegalStateException("manifest declares conditioning input '" + conditioning.input() + "' but " + STEP + " has no such input");
    }
    if (conditioning.classes() < 1 || conditioning.none() < 0 || conditioning.none() > conditioning.classes()) {
      throw new IllegalStateException("manifest conditioning needs classes >= 1 and none in 0..classes, got " + conditioning);
    }
    GenerationDefaults.Guidance guidance = conditioning.guidance();
    if (guidance == null) return;
    if (guidance.input() == null || !stepTakes(manifest, guidance.input())) {
      throw new IllegalStateException("manifest declares guidance input '" + guidance.input() + "' but " + STEP + " has no such input");
    }
    if (!(guidance.max() >= 0 && Double.isFinite(guidance.max()) && guidance.strength() >= 0 && guidance.strength() <= guidance.max())) {
      throw new IllegalStateException("manifest guidance needs a finite max >= 0 and a default in [0, max], got default "
          + guidance.strength() + ", max " + guidance.max());
    }
  }

  private static boolean stepTakes(ModelManifest manifest, String input) {
    return manifest.graph(STEP).inputs().stream().anyMatch(t -> t.name().equals(input));
  }

  /**
   * With every position masked the decoder sees no data, so its logits are one constant per label
   * value (method note §4.3): one batched run (guidance 0) computes them all.
   */
  private float[][] computeAllMaskedLogits() throws OrtException {
    int values = conditioning == null ? 1 : conditioning.classes() + 1;
    float[] mask = new float[values * tokens];
    Arrays.fill(mask, 1f);
    float[] probs = new float[values * tokens * codebookSize];
    Arrays.fill(probs, 1f / codebookSize);
    long[] labels = new long[values];
    for (int v = 0; v < values; v++) labels[v] = v;
    float[] logits = new float[values * tokens * codebookSize];
    run(true, values, new long[values * tokens], mask, probs, labels, new float[values], new float[values * pixelCount()], logits, null);
    float[][] out = new float[values][];
    for (int v = 0; v < values; v++) out[v] = Arrays.copyOfRange(logits, v * tokens * codebookSize, (v + 1) * tokens * codebookSize);
    return out;
  }

  /**
   * One batched run. Inputs and outputs are packed back to back per image; {@code withLogits}
   * picks gen_step (pixels and next logits) or render (pixels only); {@code labels} and
   * {@code guidance} (one per image) are fed to gen_step only when the model is conditional and
   * declares guidance.
   */
  public void run(boolean withLogits, int batch, long[] ids, float[] mask, float[] probs, long[] labels, float[] guidance,
                  float[] pixelsOut, float[] logitsOut, OrtSession.RunOptions options) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    boolean withLabel = withLogits && conditioning != null;
    boolean withGuidance = withLabel && conditioning.guidance() != null;
    try (OnnxTensor tIds = OnnxTensor.createTensor(env, LongBuffer.wrap(ids, 0, batch * tokens), new long[] {batch, tokens});
         OnnxTensor tMask = OnnxTensor.createTensor(env, FloatBuffer.wrap(mask, 0, batch * tokens), new long[] {batch, tokens});
         OnnxTensor tProbs = OnnxTensor.createTensor(env, FloatBuffer.wrap(probs, 0, batch * tokens * codebookSize),
             new long[] {batch, tokens, codebookSize});
         OnnxTensor tLabel = withLabel ? OnnxTensor.createTensor(env, LongBuffer.wrap(labels, 0, batch), new long[] {batch}) : null;
         OnnxTensor tGuidance = withGuidance ? OnnxTensor.createTensor(env, FloatBuffer.wrap(guidance, 0, batch), new long[] {batch}) : null) {
      Map<String, OnnxTensor> inputs = new HashMap<>(Map.of("ids", tIds, "mask", tMask, "probs", tProbs));
      if (withLabel) inputs.put(conditioning.input(), tLabel);
      if (withGuidance) inputs.put(conditioning.guidance().input(), tGuidance);
      OrtSession session = withLogits ? step : render;
      try (OrtSession.Result r = options == null ? session.run(inputs) : session.run(inputs, options)) {
        ((OnnxTensor) r.get("pixels").orElseThrow()).getFloatBuffer().get(pixelsOut, 0, batch * pixelCount());
        if (withLogits) ((OnnxTensor) r.get("logits").orElseThrow()).getFloatBuffer().get(logitsOut, 0, batch * tokens * codebookSize);
      }
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
  /** The class conditioning of gen_step, or null when it takes no label. */
  public GenerationDefaults.Conditioning conditioning() { return conditioning; }

  /** The label value of an unconditional image (0, unused, for a model without conditioning). */
  public int noLabel() { return conditioning == null ? 0 : conditioning.none(); }

  /** The constant logits of an all-masked image with this label value and guidance strength. */
  float[] allMaskedLogits(int label, float guidance) {
    if (conditioning == null) return allMaskedLogits[0];
    return GuidedLogits.allMasked(allMaskedLogits[label], allMaskedLogits[conditioning.none()], guidance);
  }

  @Override
  public void close() throws OrtException {
    step.close();
    render.close();
  }
}
