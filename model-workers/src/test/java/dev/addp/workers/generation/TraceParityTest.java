package dev.addp.workers.generation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.onnx.Device;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Java loop replays the Python reference's recorded uniforms and must reproduce its token ids
 * and masks at ≥ 99.5% of positions at every step, and its final images closely: unconditional and
 * class-conditional generation ({@code seed_S.json}, a label and a guidance strength per image) and edits
 * ({@code edit_seed_S.json}: a source's tokens and a region per image).
 */
class TraceParityTest {
  private static GenerationModel model;

  @BeforeAll
  static void open() throws Exception { model = new GenerationModel(ZooFixtures.modelDir(), Device.CPU, 2); }

  @AfterAll
  static void close() throws Exception { model.close(); }

  static Stream<Path> traces() throws IOException {
    return Files.list(ZooFixtures.modelDir().resolve("golden/traces")).filter(p -> p.toString().endsWith(".json")).sorted();
  }

  @ParameterizedTest
  @MethodSource("traces")
  void javaLoopReproducesTheReferenceTrace(Path trace) throws Exception {
    JsonNode t = ZooFixtures.json(trace);
    int batch = t.get("batch").asInt();
    int steps = t.get("steps").asInt();
    int n = t.get("tokens").asInt();
    LoopSettings settings = new LoopSettings(steps, Schedule.parse(t.get("schedule").asText()),
        t.get("temperature").asDouble(), t.get("choice_temperature").asDouble());
    JsonNode data = t.get("steps_data");
    GenerationLoop loop = new GenerationLoop(model, batch);
    List<ImageTrack> tracks = new ArrayList<>();
    boolean edit = t.has("source_ids");
    for (int b = 0; b < batch; b++) {
      int label = t.has("labels") ? t.get("labels").get(b).asInt() : model.noLabel();
      float guidance = t.has("guidance") ? (float) t.get("guidance").get(b).asDouble() : 0f; // traces of models without guidance: 0
      ImageStart start = edit ? ImageStart.edit(label, guidance, longs(t.get("source_ids").get(b)), bools(t.get("region").get(b)))
          : ImageStart.generate(label, guidance);
      tracks.add(loop.newTrack(settings, replay(data, b), start));
    }
    if (edit) {
      loop.step(tracks); // the edit's first logits: no step yet
      assertThat(tracks).allSatisfy(track -> assertThat(track.step()).isZero());
    }

    double lowest = 1;
    for (int s = 0; s < steps; s++) {
      loop.step(tracks);
      JsonNode step = data.get(s);
      int same = 0;
      for (int b = 0; b < batch; b++) {
        ImageTrack track = tracks.get(b);
        for (int i = 0; i < n; i++) {
          boolean maskEqual = (track.mask()[i] == 1f) == (step.get("mask").get(b).get(i).asInt() == 1);
          boolean idEqual = track.ids()[i] == step.get("ids").get(b).get(i).asLong(); // sampled ids at soft positions too
          if (maskEqual && idEqual) same++;
        }
      }
      lowest = Math.min(lowest, same / (double) (batch * n));
      assertThat(same / (double) (batch * n)).as("agreement at step " + s + " of " + trace.getFileName()).isGreaterThanOrEqualTo(0.995);
    }
    System.out.printf("%s: lowest per-step agreement of ids and masks %.4f%n", trace.getFileName(), lowest);
    if (edit) {
      for (int b = 0; b < batch; b++) {
        for (int i = 0; i < n; i++) {
          if (t.get("region").get(b).get(i).asInt() == 0) {
            assertThat(tracks.get(b).ids()[i]).as("token " + i + " of image " + b + " outside the region").isEqualTo(t.get("source_ids").get(b).get(i).asLong());
            assertThat(tracks.get(b).mask()[i]).isZero();
          }
        }
      }
    }
    float[] expected = ZooFixtures.floats(trace.resolveSibling(t.get("final_images").get("file").asText()));
    int px = model.pixelCount();
    for (int b = 0; b < batch; b++) {
      double meanAbs = 0;
      for (int i = 0; i < px; i++) meanAbs += Math.abs(tracks.get(b).pixels()[i] - expected[b * px + i]);
      assertThat(meanAbs / px).as("final image " + b + " mean abs diff").isLessThan(1e-3);
      System.out.printf("%s image %d: mean |Java - Python| %.2e%n", trace.getFileName(), b, meanAbs / px);
    }
  }

  private static long[] longs(JsonNode a) {
    long[] out = new long[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).asLong();
    return out;
  }

  private static boolean[] bools(JsonNode a) {
    boolean[] out = new boolean[a.size()];
    for (int i = 0; i < out.length; i++) out[i] = a.get(i).asInt() != 0;
    return out;
  }

  private static Uniforms replay(JsonNode data, int b) {
    return (step, sampling, gumbel) -> {
      JsonNode s = data.get(step);
      for (int i = 0; i < sampling.length; i++) sampling[i] = s.get("u_sample").get(b).get(i).asDouble();
      for (int i = 0; i < gumbel.length; i++) gumbel[i] = s.get("u_gumbel").get(b).get(i).asDouble();
    };
  }

}
