package dev.addp.workers.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.onnx.OrtSessions;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every committed graph, run by ONNX Runtime Java on its golden inputs, reproduces the PyTorch outputs. */
class GoldenGraphTest {
  @ParameterizedTest
  @ValueSource(strings = {"classifier", "gen_step", "render", "tokenize"})
  void graphMatchesItsGoldenOutputs(String graph) throws Exception {
    Path dir = ZooFixtures.modelDir();
    ModelManifest manifest = ModelManifest.read(dir);
    Path golden = dir.resolve("golden").resolve(graph);
    JsonNode c = ZooFixtures.json(golden.resolve("case.json"));
    double tolerance = c.path("tolerance").asDouble(1e-4);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    Map<String, OnnxTensor> inputs = new HashMap<>();
    try (OrtSession session = OrtSessions.open(manifest.verifiedGraphFile(dir, graph), Device.CPU, 1).session()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = c.get("inputs").fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        long[] shape = JSON_SHAPE(e.getValue());
        Path file = golden.resolve(e.getValue().get("file").asText());
        inputs.put(e.getKey(), "int64".equals(e.getValue().get("dtype").asText())
            ? OnnxTensor.createTensor(env, LongBuffer.wrap(ZooFixtures.longs(file)), shape)
            : OnnxTensor.createTensor(env, FloatBuffer.wrap(ZooFixtures.floats(file)), shape));
      }
      try (OrtSession.Result r = session.run(inputs)) {
        int checked = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = c.get("outputs").fields(); it.hasNext(); ) {
          Map.Entry<String, JsonNode> e = it.next();
          checked++;
          if ("int64".equals(e.getValue().get("dtype").asText())) { // token ids: exactly equal
            long[] expectedIds = ZooFixtures.longs(golden.resolve(e.getValue().get("file").asText()));
            long[] actualIds = new long[expectedIds.length];
            ((OnnxTensor) r.get(e.getKey()).orElseThrow()).getLongBuffer().get(actualIds);
            assertThat(actualIds).as(graph + "." + e.getKey()).containsExactly(expectedIds);
            continue;
          }
          float[] expected = ZooFixtures.floats(golden.resolve(e.getValue().get("file").asText()));
          float[] actual = new float[expected.length];
          ((OnnxTensor) r.get(e.getKey()).orElseThrow()).getFloatBuffer().get(actual);
          double maxDiff = 0;
          for (int i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
          assertThat(maxDiff).as(graph + "." + e.getKey() + " max abs diff").isLessThanOrEqualTo(tolerance);
        }
        assertThat(checked).isEqualTo(manifest.graph(graph).outputs().size());
      }
    } finally {
      inputs.values().forEach(OnnxTensor::close);
    }
  }

  private static long[] JSON_SHAPE(JsonNode spec) {
    JsonNode s = spec.get("shape");
    long[] shape = new long[s.size()];
    for (int i = 0; i < shape.length; i++) shape[i] = s.get(i).asLong();
    return shape;
  }
}
