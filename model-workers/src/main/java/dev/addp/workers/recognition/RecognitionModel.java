package dev.addp.workers.recognition;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.addp.avro.ModelRef;
import dev.addp.avro.Task;
import dev.addp.workers.model.ManifestKinds;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.RecognitionContract;
import dev.addp.workers.model.RecognitionSpec;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.onnx.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The manifest's recognition graph, checked against its own session at start-up
 * ({@link RecognitionContract}): a batch of preprocessed images in, the outputs of the heads the
 * batch's tasks need out, from one run. Counts its runs and the images they carried, so tests can
 * see that every image went through the encoder once, whatever mix of tasks it asked for. With a
 * detection {@code refine} block, also the crop graph (its own session, checked the same way),
 * with its own counters: a crop run is not an encoder pass.
 */
public final class RecognitionModel implements AutoCloseable {
  private final ModelManifest manifest;
  private final RecognitionSpec spec;
  private final OrtSession session;
  private final OrtSession crops; // null without a refine block
  private final String provider;
  private final ModelRef lineage;
  private final Preprocessor preprocessor;
  private final Set<Task> tasks;
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong imagesRun = new AtomicLong();
  private final AtomicLong cropRuns = new AtomicLong();
  private final AtomicLong cropsRun = new AtomicLong();
  /** Runs share it, close takes it alone. */
  private final java.util.concurrent.locks.ReentrantReadWriteLock sessions = new java.util.concurrent.locks.ReentrantReadWriteLock();
  private boolean closed; // written under the write lock, read under the read lock

  public RecognitionModel(Path modelDir, Device device, int intraOpThreads) throws OrtException {
    this.manifest = ModelManifest.read(modelDir);
    String graph = manifest.recognitionSpec().graph();
    if (graph == null || !manifest.hasGraph(graph)) {
      throw new RecognitionContract.ModelContractException(manifest, "manifest.json recognition.graph is '" + graph
          + "'; allowed: a key of graphs: " + (manifest.graphs() == null ? "[]" : manifest.graphs().keySet()));
    }
    Path file = manifest.verifiedGraphFile(modelDir, graph);
    OrtSessions.Opened opened = OrtSessions.open(file, device, intraOpThreads);
    try {
      this.spec = RecognitionContract.validate(manifest, opened.session());
    } catch (RuntimeException e) {
      opened.session().close();
      throw e;
    }
    this.session = opened.session();
    try {
      this.crops = openCrops(modelDir, device, intraOpThreads);
    } catch (OrtException | RuntimeException e) {
      session.close();
      throw e;
    }
    this.provider = opened.provider();
    this.lineage = new ModelRef(manifest.name(), manifest.version(), manifest.graph(graph).sha256());
    this.preprocessor = new Preprocessor(manifest.preprocess());
    EnumSet<Task> served = EnumSet.noneOf(Task.class);
    if (spec.heads().classification() != null) served.add(Task.CLASSIFY);
    if (spec.heads().detection() != null) served.add(Task.DETECT);
    if (spec.heads().segmentation() != null) served.add(Task.SEGMENT);
    this.tasks = Set.copyOf(served);
  }

  private OrtSession openCrops(Path modelDir, Device device, int intraOpThreads) throws OrtException {
    RecognitionSpec.Refine refine = refine();
    if (refine == null) return null;
    OrtSession s = OrtSessions.open(manifest.verifiedGraphFile(modelDir, refine.graph()), device, intraOpThreads).session();
    try {
      RecognitionContract.validateCrops(manifest, refine, s);
      return s;
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** The detection head's second stage, or null. */
  public RecognitionSpec.Refine refine() {
    return spec.heads().detection() == null ? null : spec.heads().detection().refine();
  }

  public ModelManifest manifest() { return manifest; }
  public RecognitionSpec spec() { return spec; }
  public ModelRef lineage() { return lineage; }
  public Preprocessor preprocessor() { return preprocessor; }
  public String provider() { return provider; }
  /** The tasks the model has heads for. */
  public Set<Task> tasks() { return tasks; }
  /** Model runs so far (one per batch). */
  public long runs() { return runs.get(); }
  /** Images those runs carried. */
  public long imagesRun() { return imagesRun.get(); }
  /** Crop-graph runs so far (at most one per batch). */
  public long cropRuns() { return cropRuns.get(); }
  /** Crops those runs classified. */
  public long cropsRun() { return cropsRun.get(); }

  /** One run's outputs, flat and batch-major: image j of output o starts at j · {@link #perImage}(o). */
  public record Outputs(int n, Map<String, float[]> tensors) {
    public float[] get(String name) {
      float[] t = tensors.get(name);
      if (t == null) throw new IllegalStateException("output '" + name + "' was not fetched in this run");
      return t;
    }

    public int perImage(String name) { return get(name).length / n; }
  }

  /** The output tensors the tasks need (CLASSIFY, DETECT, SEGMENT), in a stable order. */
  public Set<String> outputsFor(Set<Task> wanted) {
    Set<String> names = new LinkedHashSet<>();
    RecognitionSpec.Heads h = spec.heads();
    if (wanted.contains(Task.CLASSIFY)) names.add(h.classification().output());
    // with a refine stage the masks are painted by the refined boxes, so SEGMENT needs the boxes too
    if (wanted.contains(Task.DETECT) || (wanted.contains(Task.SEGMENT) && refine() != null)) {
      names.add(h.detection().heatmap());
      names.add(h.detection().size());
      names.add(h.detection().offset());
      if (h.detection().classFromKind() == ManifestKinds.ClassFrom.SEGMENTATION) names.add(h.segmentation().output());
    }
    if (wanted.contains(Task.SEGMENT)) names.add(h.segmentation().output());
    return names;
  }

  /** Runs {@code n} images whose inputs lie back to back in {@code input}, fetching what {@code wanted} needs. */
  public Outputs run(float[] input, int n, Set<Task> wanted) throws OrtException {
    sessions.readLock().lock();
    try {
      ensureOpen();
      return runOpen(input, n, wanted);
    } finally {
      sessions.readLock().unlock();
    }
  }

  private Outputs runOpen(float[] input, int n, Set<Task> wanted) throws OrtException {
    Set<String> names = outputsFor(wanted);
    int s = preprocessor.inputSize();
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(input, 0, n * preprocessor.inputLength()),
            new long[] {n, 3, s, s});
         OrtSession.Result r = session.run(Map.of(spec.input(), x), names)) {
      runs.incrementAndGet();
      imagesRun.addAndGet(n);
      Map<String, float[]> out = new HashMap<>();
      for (Map.Entry<String, OnnxValue> e : r) {
        FloatBuffer b = ((OnnxTensor) e.getValue()).getFloatBuffer();
        float[] a = new float[b.remaining()];
        b.get(a);
        out.put(e.getKey(), a);
      }
      return new Outputs(n, out);
    }
  }

  /**
   * Runs the crop graph on {@code n} crops [3, crop_size, crop_size] back to back in {@code input}
   * → their probabilities, {@code labels + 1} per crop, back to back.
   */
  public float[] runCrops(float[] input, int n) throws OrtException {
    if (crops == null) throw new IllegalStateException("model " + manifest.name() + " has no refine stage");
    sessions.readLock().lock();
    try {
      ensureOpen();
      return runCropsOpen(input, n);
    } finally {
      sessions.readLock().unlock();
    }
  }

  private float[] runCropsOpen(float[] input, int n) throws OrtException {
    RecognitionSpec.Refine r = refine();
    int s = r.cropSize();
    try (OnnxTensor x = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(input, 0, n * 3 * s * s),
            new long[] {n, 3, s, s});
         OrtSession.Result out = crops.run(Map.of(r.input(), x), Set.of(r.output()))) {
      cropRuns.incrementAndGet();
      cropsRun.addAndGet(n);
      FloatBuffer b = ((OnnxTensor) out.get(0)).getFloatBuffer();
      float[] a = new float[b.remaining()];
      b.get(a);
      return a;
    }
  }

  private void ensureOpen() {
    if (closed) throw new IllegalStateException("model " + manifest.name() + " is closed");
  }

  /** Closes the sessions once the runs in progress have ended: a session closed under a run crashes the JVM. */
  @Override
  public void close() throws OrtException {
    sessions.writeLock().lock();
    try {
      if (closed) return;
      closed = true;
      try {
        if (crops != null) crops.close();
      } finally {
        session.close();
      }
    } finally {
      sessions.writeLock().unlock();
    }
  }
}
