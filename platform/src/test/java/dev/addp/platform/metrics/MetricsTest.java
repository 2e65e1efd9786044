package dev.addp.platform.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The registry, its Prometheus names and types after a known workload, the on/off switch, and the operations port. */
class MetricsTest {

  @Test
  void modelFiguresHavePrometheusNamesTypesAndTheValuesRecorded() {
    try (Metrics metrics = Metrics.from(dev.addp.platform.config.AddpConfig.of(java.util.Map.of()))) {
      ModelMetrics m = new ModelMetrics(metrics.registry(), "addp-fmnist", "1.0.0", "classify");
      m.requests(10);
      m.execution(6, 20_000_000);
      m.execution(4, 10_000_000);
      m.failure("CORRUPT_IMAGE");
      for (int i = 0; i < 10; i++) m.queued(3);
      m.endToEnd(150);
      String text = metrics.scrape();
      String tags = "model=\"addp-fmnist\",task=\"classify\",version=\"1.0.0\"";
      assertThat(text).contains("# TYPE addp_model_requests_total counter")
          .contains("# TYPE addp_model_inference_seconds histogram")
          .contains("# TYPE addp_model_batch_size histogram")
          .contains("# TYPE jvm_memory_used_bytes gauge")
          .contains("addp_model_requests_total{" + tags + "} 10.0")
          .contains("addp_model_inferences_total{" + tags + "} 10.0")
          .contains("addp_model_executions_total{" + tags + "} 2.0")
          .contains("addp_model_batch_size_sum{" + tags + "} 10.0")
          .contains("addp_model_inference_seconds_sum{" + tags + "} 0.03")
          .contains("addp_model_queue_seconds_count{" + tags + "} 10")
          .contains("addp_model_queue_seconds_bucket{" + tags + ",le=\"0.005\"} 10")
          .contains("addp_model_end_to_end_seconds_bucket{" + tags + ",le=\"0.1\"} 0")
          .contains("addp_model_end_to_end_seconds_bucket{" + tags + ",le=\"0.2\"} 1")
          .contains("addp_model_failures_total{model=\"addp-fmnist\",reason=\"CORRUPT_IMAGE\",task=\"classify\",version=\"1.0.0\"} 1.0");
    }
  }

  @Test
  void offRecordsNothingAndOnAgainRecordsAgain() {
    try (Metrics metrics = Metrics.from(dev.addp.platform.config.AddpConfig.of(java.util.Map.of()))) {
      ModelMetrics m = new ModelMetrics(metrics.registry(), "m", "1", "classify");
      m.requests(1);
      metrics.setEnabled(false);
      m.requests(100);
      metrics.setEnabled(true);
      m.requests(1);
      assertThat(metrics.scrape()).contains("addp_model_requests_total{model=\"m\",task=\"classify\",version=\"1\"} 2.0");
    }
  }

  @Test
  void operationsPortAnswersMetricsHealthAndReadiness() throws Exception {
    AtomicBoolean ready = new AtomicBoolean(false);
    HealthChecks checks = new HealthChecks();
    checks.live("recognition", () -> true);
    checks.ready("recognition partitions assigned", ready::get);
    try (Metrics metrics = Metrics.from(dev.addp.platform.config.AddpConfig.of(java.util.Map.of()));
         MetricsServer server = new MetricsServer(metrics, checks, "127.0.0.1", 0)) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> notReady = get(http, server.url() + "/ready");
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).contains("recognition partitions assigned");
      assertThat(get(http, server.url() + "/health").statusCode()).isEqualTo(200);
      ready.set(true);
      assertThat(get(http, server.url() + "/ready").statusCode()).isEqualTo(200);
      HttpResponse<String> scrape = get(http, server.url() + "/metrics");
      assertThat(scrape.statusCode()).isEqualTo(200);
      assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
      assertThat(scrape.body()).contains("# TYPE process_uptime_seconds gauge");
      metrics.setEnabled(false);
      assertThat(get(http, server.url() + "/metrics").statusCode()).isEqualTo(404);
    }
  }

  private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }
}
