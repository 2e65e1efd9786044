package dev.addp.workers.recognition;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.addp.avro.Classification;
import dev.addp.avro.ModelRef;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.onnx.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** The manifest's classifier graph: a batch of preprocessed images in, logits (and features) out. */
public final class Classifier implements AutoCloseable {
  public static final String GRAPH = "classifier";

  private final ModelManifest manifest;
  private final OrtSession session;
  private final String provider;
  private final ModelRef lineage;
  private final Preprocessor preprocessor;
  private final String inputName;
  private final int classes;

  public Classifier(Path modelDir, Device device, int intraOpThreads) throws OrtException {
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

  /** The k most probable labels (softmax over the logits), best first. */
  public List<Classification> topK(float[] logits, int k) {
    float max = Float.NEGATIVE_INFINITY;
    for (float v : logits) max = Math.max(max, v);
    double sum = 0;
    double[] p = new double[logits.length];
    for (int i = 0; i < logits.length; i++) {
      p[i] = Math.exp(logits[i] - max);
      sum += p[i];
    }
    final double total = sum;
    List<Classification> out = new ArrayList<>();
    IntStream.range(0, logits.length).boxed()
        .sorted(Comparator.comparingDouble((Integer i) -> -p[i]).thenComparingInt(i -> i))
        .limit(Math.min(k, classes))
        .forEach(i -> out.add(new Classification(i, manifest.labels().get(i), (float) (p[i] / total))));
    return out;
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
