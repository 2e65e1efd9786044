package dev.addp.systemtest.generation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.FrechetDistance;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.GenerationClient.JobOutcome;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.JobState;
import dev.addp.platform.config.AddpConfig;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.Classifier;
import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * 500 images generated through Kafka (default settings, several concurrent jobs) have a FID on the
 * zoo classifier's features within 10% of the Python reference loop's FID for 500 images. The
 * generated PNGs are fed to the classifier as they are, like the Python evaluation's float images.
 */
class GenerationFidIT {
  static final int JOBS = 5;
  static final int PER_JOB = 100;

  @Test
  void fidThroughKafkaMatchesThePythonReferenceLoop() throws Exception {
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "genfid", 2)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString()).with("worker.id", "fid-worker");
    List<GenerationResult> results = new ArrayList<>();
    try (RoleRunner roles = RoleRunner.start(List.of(ProcessRole.GENERATION), config);
         GenerationClient client = new GenerationClient(config)) {
      roles.awaitReady(Duration.ofSeconds(60));
      Map<String, Integer> counts = new HashMap<>();
      for (int j = 0; j < JOBS; j++) {
        String id = "fid-" + j;
        counts.put(id, PER_JOB);
        client.submit(GenerationRequest.newBuilder().setJobId(id).setCount(PER_JOB).setSeed(1000 + j)
            .setSubmittedAtMs(System.currentTimeMillis()).build());
      }
      for (JobOutcome o : client.await(counts.keySet(), counts, Duration.ofMinutes(15), e -> { }).values()) {
        assertThat(o.last().getState()).isEqualTo(JobState.SUCCEEDED);
        results.addAll(o.results());
      }
    }
    assertThat(results).hasSize(JOBS * PER_JOB);

    JsonNode manifest = new ObjectMapper().readTree(TestModels.modelDir().resolve("manifest.json").toFile());
    double reference = manifest.at("/metrics/fid_addp_500").asDouble();
    try (Classifier classifier = new Classifier(TestModels.modelDir(), Device.CPU, 2)) {
      List<float[]> inputs = new ArrayList<>();
      for (GenerationResult r : results) {
        float[] in = new float[classifier.preprocessor().inputLength()];
        classifier.preprocessor().writeModelSized(ImageIO.read(new ByteArrayInputStream(GenerationClient.png(r))), in, 0);
        inputs.add(in);
      }
      double[][] features = FrechetDistance.features(classifier, inputs, 64);
      double fid = FrechetDistance.againstReference(features, TestModels.modelDir().resolve(manifest.at("/fid_reference/file").asText()),
          manifest.at("/fid_reference/dim").asInt());
      System.out.printf("FID of %d images generated through Kafka: %.3f (Python reference loop: %.3f)%n", results.size(), fid, reference);
      assertThat(fid).isCloseTo(reference, org.assertj.core.api.Assertions.withinPercentage(10));
    }
  }
}
