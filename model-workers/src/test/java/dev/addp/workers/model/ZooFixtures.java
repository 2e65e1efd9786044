package dev.addp.workers.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** The committed model zoo and its golden files (raw little-endian tensors described by JSON). */
public final class ZooFixtures {
  public static final ObjectMapper JSON = new ObjectMapper();

  private ZooFixtures() { }

  public static Path modelDir() {
    String dir = System.getProperty("addp.model.dir");
    if (dir != null) return Path.of(dir);
    return Path.of(System.getProperty("addp.zoo", "../models/zoo")).resolve("addp-fmnist");
  }

  /** The dense model (boxes, masks, refine stage); override with -Daddp.dense.model.dir. */
  public static Path denseModelDir() {
    String dir = System.getProperty("addp.dense.model.dir");
    if (dir != null) return Path.of(dir);
    return Path.of(System.getProperty("addp.zoo", "../models/zoo")).resolve("addp-fmnist-dense");
  }

  /** The committed dense test scenes (models/zoo/scenes-test). */
  public static Path scenesDir() { return Path.of(System.getProperty("addp.zoo", "../models/zoo")).resolve("scenes-test"); }

  /**
   * The first {@code count} scenes of images.idx.gz as model inputs [count][3][H][W] (RGB / 255,
   * as the Python side's pixels_of and the preprocessor of a canvas-sized image give).
   */
  public static float[][] scenePixels(int count) throws IOException {
    try (java.io.DataInputStream in = new java.io.DataInputStream(new java.util.zip.GZIPInputStream(
        Files.newInputStream(scenesDir().resolve("images.idx.gz"))))) {
      int magic = in.readInt();
      if (magic != 0x0804) throw new IOException("images.idx.gz: magic " + Integer.toHexString(magic) + ", expected 804 (ubyte, 4 dims)");
      int n = in.readInt();
      int h = in.readInt();
      int w = in.readInt();
      int c = in.readInt();
      if (c != 3 || count > n) throw new IOException("images.idx.gz: [" + n + ", " + h + ", " + w + ", " + c + "]");
      float[][] out = new float[count][3 * h * w];
      byte[] rgb = new byte[h * w * 3];
      for (int i = 0; i < count; i++) {
        in.readFully(rgb);
        for (int p = 0; p < h * w; p++) for (int ch = 0; ch < 3; ch++) out[i][ch * h * w + p] = (rgb[p * 3 + ch] & 0xFF) / 255f;
      }
      return out;
    }
  }

  public static JsonNode json(Path file) throws IOException { return JSON.readTree(file.toFile()); }

  public static float[] floats(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    float[] out = new float[b.remaining() / 4];
    b.asFloatBuffer().get(out);
    return out;
  }

  public static long[] longs(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    long[] out = new long[b.remaining() / 8];
    b.asLongBuffer().get(out);
    return out;
  }
}
