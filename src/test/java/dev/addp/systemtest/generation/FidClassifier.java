package dev.addp.systemtest.generation;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.addp.avro.ModelRef;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.recognition.Preprocessor;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.onnx.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Map;

/** The manifest's classifier graph for the FID: a batch of preprocessed images in, logits and features out. */
final class FidClassifier implements AutoCloseable {
  public static final String GRAPH = "classifier";

  private final ModelManifest manifest;
  private final OrtSession session;
  private final String provider;
  private final ModelRef lineage;
  private final Preprocessor preprocessor;
  private final String inputName;
  private final int classes;

  FidClassifier(Path modelDir, Device device, int intraOpThreads) throws OrtException {
    this.manifest = ModelManifest.read(modelDir);
    Path graph = manifest.verifiedGraphFile(modelDir, GRAPH);
    OrtSessions.Opened opened = OrtSessions.open(graph, device, intraOpThreads);
    this.session = opened.session();
    this.provider = opened.provider();
    this.lineage = new ModelRef(manifest.name(), manifest.version(), manifest.graph(GRAPH).sha256());
    this.preprocessor = new Preprocessor(manifest.preprocess());
    this.inputName = manifest.graph(GRAPH).inputs().get(0).name();
    this.classes = manifest.labels().size();
  }

  public ModelManifest manifest() { return manifest; }
  public ModelRef lineage() { return lineage; }
  public Preprocessor preprocessor() { return preprocessor; }
  public String provider() { return provider; }

  /** Outputs of one batch: logits [n][classes] and, when the graph has it, features [n][d]. */
  public record Output(float[][] logits, float[][] features) { }

  /** Runs {@code n} images whose inputs lie back to back in {@code input}. */
  public Output run(float[] input, int n) throws OrtException {
    int s = preprocessor.inputSize();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input, 0, n * preprocessor.inputLength()),
            new long[] {n, 3, s, s});
         OrtSession.Result r = session.run(Map.of(inputName, x))) {
      float[][] logits = (float[][]) r.get("logits").orElseThrow().getValue();
      float[][] features = r.get("features").map(v -> {
        try {
          return (float[][]) v.getValue();
        } catch (OrtException e) {
          throw new IllegalStateException(e);
        }
      }).orElse(null);
      return new Output(logits, features);
    }
  }

  /** Index of the largest logit. */
  public static int argmax(float[] logits) {
    int best = 0;
    for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }

  @Override
  public void close() throws OrtException { session.close(); }
}
