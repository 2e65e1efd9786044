package dev.addp.workers.generation.edit;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.TokenSpec;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.onnx.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;

/**
 * The model's tokenizer graph (manifest {@code tokens.tokenizer}): preprocessed pixels → the VQ
 * token id of every grid cell (the nearest codebook row of the VQ encoder's output).
 */
public final class ImageTokenizer implements AutoCloseable {
  private final OrtSession session;
  private final TokenSpec.Tokenizer spec;
  private final int tokens;
  private final int size;

  public ImageTokenizer(Path modelDir, ModelManifest manifest, Device device, int intraOpThreads) throws OrtException {
    this.spec = manifest.tokens().tokenizer();
    if (spec == null) throw new IllegalArgumentException("model " + manifest.name() + " declares no tokens.tokenizer graph");
    this.tokens = manifest.tokens().count();
    this.size = manifest.preprocess().size();
    this.session = OrtSessions.open(manifest.verifiedGraphFile(modelDir, spec.graph()), device, intraOpThreads).session();
  }

  /** Whether the manifest declares a tokenizer. */
  public static boolean declared(ModelManifest manifest) { return manifest.tokens() != null && manifest.tokens().tokenizer() != null; }

  /** Floats per image of the input: 3·size·size (CHW, [0,1], as the preprocessor writes them). */
  public int inputLength() { return 3 * size * size; }

  /** Token ids of one preprocessed image, row-major over the token grid. */
  public long[] tokenize(float[] pixels) throws OrtException {
    if (pixels.length != inputLength()) throw new IllegalArgumentException("expected " + inputLength() + " floats, got " + pixels.length);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {1, 3, size, size});
         OrtSession.Result r = session.run(java.util.Map.of(spec.input(), in))) {
      long[] ids = new long[tokens];
      ((OnnxTensor) r.get(spec.output()).orElseThrow()).getLongBuffer().get(ids);
      return ids;
    }
  }

  @Override
  public void close() throws OrtException { session.close(); }
}
