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
 * and masks at ≥ 99.5% of positions at every step, and its final images closely.
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
    for (int b = 0; b < batch; b++) tracks.add(loop.newTrack(settings, replay(data, b)));

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
    float[] expected = ZooFixtures.floats(trace.resolveSibling(t.get("final_images").get("file").asText()));
    int px = model.pixelCount();
    for (int b = 0; b < batch; b++) {
      double meanAbs = 0;
      for (int i = 0; i < px; i++) meanAbs += Math.abs(tracks.get(b).pixels()[i] - expected[b * px + i]);
      assertThat(meanAbs / px).as("final image " + b + " mean abs diff").isLessThan(1e-3);
      System.out.printf("%s image %d: mean |Java - Python| %.2e%n", trace.getFileName(), b, meanAbs / px);
    }
  }

  private static Uniforms replay(JsonNode data, int b) {
    return (step, sampling, gumbel) -> {
      JsonNode s = data.get(step);
      for (int i = 0; i < sampling.length; i++) sampling[i] = s.get("u_sample").get(b).get(i).asDouble();
      for (int i = 0; i < gumbel.length; i++) gumbel[i] = s.get("u_gumbel").get(b).get(i).asDouble();
    };
  }

}
