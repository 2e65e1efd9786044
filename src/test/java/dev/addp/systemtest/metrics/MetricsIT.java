package dev.addp.systemtest.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.JobState;
import dev.addp.platform.config.AddpConfig;
import dev.addp.systemtest.support.BadImages;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.workers.recognition.WorkerStats;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The operations port after a known workload on the real stack: metric names and Prometheus types,
 * counts equal to what was sent and to the worker's own figures, lag back to 0, health and readiness.
 */
class MetricsIT {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final int GOOD = 100;

  @Test
  void metricsAfterAKnownWorkload() throws Exception {
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "metrics", 2)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString()).with("worker.id", "metrics-it")
        .with("metrics.lag.interval.ms", "500");
    FashionMnistSample sample = FashionMnistSample.read(TestModels.sampleDir());
    try (RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION, ProcessRole.GENERATION), config)) {
      roles.awaitReady(Duration.ofSeconds(90));
      String ops = roles.operations().url();
      await().atMost(Duration.ofSeconds(30)).until(() -> get(ops + "/ready").statusCode() == 200);
      assertThat(get(ops + "/health").statusCode()).isEqualTo(200);

      // 1. good images only: the batch figures must match the worker's own
      RecognitionRoundTrip.Outcome good = new RecognitionRoundTrip(config).run("metrics", GOOD,
          i -> new RecognitionRoundTrip.Item("good-" + i, sample.png(i), Map.of()), Duration.ofMinutes(3), false);
      assertThat(good.results()).hasSize(GOOD);
      WorkerStats stats = roles.recognition().stats();
      PrometheusText m = scrape(ops);
      String classify = "task=classify";
      assertThat(m.types()).containsEntry("addp_model_requests_total", "counter").containsEntry("addp_model_inferences_total", "counter")
          .containsEntry("addp_model_executions_total", "counter").containsEntry("addp_model_queue_seconds", "histogram")
          .containsEntry("addp_model_decode_seconds", "histogram").containsEntry("addp_model_inference_seconds", "histogram")
          .containsEntry("addp_model_end_to_end_seconds", "histogram").containsEntry("addp_model_batch_size", "histogram")
          .containsEntry("addp_consumer_lag_records", "gauge").containsEntry("addp_consumer_lag_seconds", "gauge")
          .containsEntry("addp_consumer_paused_partitions", "gauge").containsEntry("addp_ingest_accepted_total", "counter")
          .containsEntry("jvm_memory_used_bytes", "gauge");
      assertThat(m.sum("addp_model_requests_total", classify)).isEqualTo(GOOD);
      assertThat(m.sum("addp_model_inferences_total", classify)).isEqualTo(GOOD).isEqualTo(stats.results.get());
      double executions = m.sum("addp_model_executions_total", classify);
      assertThat(executions).isEqualTo(stats.batches.get()).isGreaterThan(0);
      assertThat(m.sum("addp_model_inferences_total", classify) / executions).as("mean batch from the metrics")
          .isEqualTo(stats.meanBatchSize());
      assertThat(m.sum("addp_model_batch_size_sum", classify)).isEqualTo(GOOD);
      assertThat(m.sum("addp_model_batch_size_count", classify)).isEqualTo(executions);
      assertThat(m.sum("addp_model_queue_seconds_count", classify)).isEqualTo(GOOD);
      assertThat(m.sum("addp_model_decode_seconds_count", classify)).isEqualTo(GOOD);
      assertThat(m.sum("addp_model_end_to_end_seconds_count", classify)).isEqualTo(GOOD);
      assertThat(m.sum("addp_model_end_to_end_seconds_sum", classify)).isPositive();
      assertThat(m.sum("addp_model_inference_seconds_sum", classify)).isPositive();
      assertThat(m.sum("addp_ingest_accepted_total")).isEqualTo(GOOD);
      assertThat(m.hasPrefix("kafka_consumer_")).as("Kafka consumer metrics bound").isTrue();
      assertThat(m.hasPrefix("kafka_producer_")).as("Kafka producer metrics bound").isTrue();
      assertThat(m.hasPrefix("kafka_stream_")).as("Kafka Streams metrics bound").isTrue();

      // 2. bad inputs: every dead letter counted under its stage and typed reason
      byte[] png = sample.png(0);
      byte[] corruptBody = png.clone();
      for (int i = 40; i < corruptBody.length - 16; i++) corruptBody[i] = (byte) 0x5a;
      List<byte[]> bad = List.of(BadImages.truncated(png), BadImages.randomBytes(300, 2), corruptBody);
      RecognitionRoundTrip.Outcome o = new RecognitionRoundTrip(config).run("metrics-bad", bad.size(),
          i -> new RecognitionRoundTrip.Item("bad-" + i, bad.get(i), Map.of()), Duration.ofMinutes(2), false);
      assertThat(o.deadLetters().size() + o.results().size()).isEqualTo(bad.size());
      PrometheusText after = scrape(ops);
      for (DeadLetter d : o.deadLetters().values()) {
        String reason = "reason=" + d.getErrorType();
        long expected = o.deadLetters().values().stream().filter(x -> x.getErrorType() == d.getErrorType()
            && x.getStage().equals(d.getStage())).count();
        if (d.getStage().equals("ingest")) assertThat(after.sum("addp_ingest_dead_letters_total", reason)).isEqualTo(expected);
        else assertThat(after.sum("addp_model_failures_total", classify, reason)).isEqualTo(expected);
      }

      // 3. one generation job of 4 images: 20 steps of 4 images each
      try (GenerationClient client = new GenerationClient(config)) {
        client.submit(GenerationRequest.newBuilder().setJobId("metrics-job").setCount(4).setSeed(1)
            .setSubmittedAtMs(System.currentTimeMillis()).build());
        GenerationClient.JobOutcome job = client.await(List.of("metrics-job"), Map.of("metrics-job", 4), Duration.ofMinutes(3), e -> { })
            .get("metrics-job");
        assertThat(job.last().getState()).isEqualTo(JobState.SUCCEEDED);
        int steps = job.last().getTotalSteps();
        PrometheusText g = scrape(ops);
        String generate = "task=generate";
        assertThat(g.sum("addp_generation_jobs_total", "state=SUCCEEDED")).isEqualTo(1);
        assertThat(g.sum("addp_generation_images_total")).isEqualTo(4);
        assertThat(g.sum("addp_model_requests_total", generate)).isEqualTo(1);
        assertThat(g.sum("addp_model_executions_total", generate)).isEqualTo(steps);
        assertThat(g.sum("addp_model_inferences_total", generate)).isEqualTo(4 * steps);
        assertThat(g.sum("addp_generation_step_seconds_count")).isEqualTo(steps);
        assertThat(g.sum("addp_model_end_to_end_seconds_count", generate)).isEqualTo(1);
        assertThat(g.types()).containsEntry("addp_generation_scheduler_occupancy_ratio", "gauge")
            .containsEntry("addp_generation_images_per_second", "gauge").containsEntry("addp_generation_step_seconds", "histogram");
        assertThat(g.sum("addp_generation_images_per_second")).isPositive();
      }

      // 4. the run has ended: every watched group's lag drops to 0, partition by partition
      String recognitionGroup = "group=" + prefix(config) + "recognition-workers";
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
        PrometheusText now = scrape(ops);
        Map<String, Double> lag = now.all("addp_consumer_lag_records", recognitionGroup);
        assertThat(lag).hasSize(2);
        assertThat(lag.values()).containsOnly(0.0);
        assertThat(now.all("addp_consumer_lag_records").values()).containsOnly(0.0);
        assertThat(now.all("addp_consumer_lag_seconds").values()).containsOnly(0.0);
      });
    }
  }

  private static String prefix(AddpConfig config) { return dev.addp.platform.kafka.Topics.from(config).prefix(); }

  private static PrometheusText scrape(String ops) throws Exception {
    HttpResponse<String> r = get(ops + "/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
    return PrometheusText.parse(r.body());
  }

  private static HttpResponse<String> get(String url) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
