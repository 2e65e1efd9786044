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
