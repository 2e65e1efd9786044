package dev.addp.app.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Reads the metrics endpoint every second in the background; says how many scrapes, how long they took, how big. */
final class MetricsScraper implements AutoCloseable {
  private final HttpClient http = HttpClient.newHttpClient();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "bench-scraper");
    t.setDaemon(true);
    return t;
  });
  private final List<Long> nanos = new CopyOnWriteArrayList<>();
  private volatile int bytes;
  private volatile double requestsFirst = Double.NaN;
  private volatile double requestsLast = Double.NaN;

  MetricsScraper(String url) {
    HttpRequest get = HttpRequest.newBuilder(URI.create(url)).GET().build();
    timer.scheduleAtFixedRate(() -> {
      try {
        long t0 = System.nanoTime();
        String body = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
        nanos.add(System.nanoTime() - t0);
        bytes = body.length();
        double requests = body.lines().filter(l -> l.startsWith("addp_model_requests_total{"))
            .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        if (Double.isNaN(requestsFirst)) requestsFirst = requests;
        requestsLast = requests;
      } catch (Exception e) {
        // a missed scrape is a missed scrape; the summary counts the ones that happened
      }
    }, 0, 1, TimeUnit.SECONDS);
  }

  Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("scrapes", nanos.size());
    m.put("mean_scrape_ms", nanos.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6);
    m.put("bytes", bytes);
    m.put("addp_model_requests_total_first", requestsFirst);
    m.put("addp_model_requests_total_last", requestsLast);
    return m;
  }

  @Override
  public void close() { timer.shutdownNow(); }
}
