package dev.addp.workers.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens ONNX Runtime sessions: CUDA first when asked for (or AUTO), CPU otherwise, and says which
 * one it got. The CPU-only jar and a GPU jar on a host without CUDA libraries both fail in addCUDA
 * or in createSession; either way the session falls back to the CPU provider.
 */
public final class OrtSessions {
  private static final Logger log = LoggerFactory.getLogger(OrtSessions.class);

  private OrtSessions() { }

  /** A session plus the execution provider it really runs on. */
  public record Opened(OrtSession session, String provider) { }

  public static Opened open(Path graph, Device device, int intraOpThreads) throws OrtException {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    if (device != Device.CPU) {
      try (OrtSession.SessionOptions gpu = options(intraOpThreads)) {
        gpu.addCUDA(0);
        OrtSession s = env.createSession(graph.toString(), gpu);
        log.info("{}: ONNX Runtime session on CUDA", graph.getFileName());
        return new Opened(s, "CUDA");
      } catch (OrtException | RuntimeException e) {
        if (device == Device.CUDA) throw new OrtException("CUDA was required but is unavailable: " + e.getMessage());
        log.info("{}: CUDA unavailable ({}), using the CPU provider", graph.getFileName(), firstLine(e.getMessage()));
      }
    }
    try (OrtSession.SessionOptions cpu = options(intraOpThreads)) {
      OrtSession s = env.createSession(graph.toString(), cpu);
      log.info("{}: ONNX Runtime session on CPU ({} intra-op threads)", graph.getFileName(), intraOpThreads);
      return new Opened(s, "CPU");
    }
  }

  private static OrtSession.SessionOptions options(int intraOpThreads) throws OrtException {
    OrtSession.SessionOptions o = new OrtSession.SessionOptions();
    o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
    if (intraOpThreads > 0) o.setIntraOpNumThreads(intraOpThreads);
    // Idle intra-op threads sleep instead of spinning: a worker shares its cores with Kafka
    // clients, decoding and (embedded) the broker, and spinning threads starve them.
    o.addConfigEntry("session.intra_op.allow_spinning", System.getProperty("addp.ort.spinning", "0"));
    return o;
  }

  private static String firstLine(String s) {
    if (s == null) return "";
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
