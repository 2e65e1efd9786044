package dev.addp.workers.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * A model directory's manifest.json. Workers read only this, so the small models trained in this
 * repository and a full-size export of the released ADDP weights are served by the same code.
 */
public record ModelManifest(String name, String version, String description, Map<String, GraphSpec> graphs,
                            PreprocessSpec preprocess, List<String> labels, TokenSpec tokens,
                            GenerationDefaults generation, JsonNode metrics, RecognitionSpec recognition) {
  private static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  public static ModelManifest read(Path dir) {
    Path file = dir.resolve("manifest.json");
    try {
      return JSON.readValue(file.toFile(), ModelManifest.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read model manifest " + file + ": " + e.getMessage(), e);
    }
  }

  public GraphSpec graph(String key) {
    GraphSpec g = graphs == null ? null : graphs.get(key);
    if (g == null) throw new IllegalArgumentException("model " + name + " " + version + " has no '" + key + "' graph");
    return g;
  }

  /** The recognition block: which graph recognises images and how its heads decode. */
  public RecognitionSpec recognitionSpec() {
    if (recognition == null) {
      throw new RecognitionContract.ModelContractException(this,
          "manifest.json has no recognition block; allowed: a recognition block naming the graph, its input and its heads");
    }
    return recognition;
  }

  public boolean hasGraph(String key) { return graphs != null && graphs.containsKey(key); }

  /** The graph's file, after checking that its sha256 is the one the manifest records (lineage). */
  public Path verifiedGraphFile(Path dir, String key) {
    GraphSpec g = graph(key);
    Path file = dir.resolve(g.file());
    String actual = sha256(file);
    if (g.sha256() != null && !g.sha256().equalsIgnoreCase(actual)) {
      throw new IllegalStateException(file + " has sha256 " + actual + " but the manifest says " + g.sha256());
    }
    return file;
  }

  static String sha256(Path file) {
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      byte[] buf = new byte[1 << 16];
      DigestInputStream d = (DigestInputStream) in;
      while (d.read(buf) != -1) { /* digest */ }
      return HexFormat.of().formatHex(d.getMessageDigest().digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
