package dev.addp.platform.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * The process's one operations port: {@code GET /metrics} (Prometheus text format),
 * {@code GET /health} (200 while every role's threads run) and {@code GET /ready} (200 once every
 * role can serve); a failing check answers 503 with the names of the checks that fail.
 */
public final class MetricsServer implements AutoCloseable {
  public static final String HOST = "metrics.http.host";
  public static final String PORT = "metrics.http.port";
  public static final int DEFAULT_PORT = 9464;
  /** Loopback unless configured: a scraper elsewhere needs {@code metrics.http.host=0.0.0.0} (or an address) set on purpose. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  private final HttpServer server;

  public MetricsServer(Metrics metrics, HealthChecks health, String host, int port) throws IOException {
    this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/metrics", ex -> {
      if (!metrics.enabled()) {
        send(ex, 404, "text/plain", "metrics are off (metrics.enabled=false)\n");
      } else {
        send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
      }
    });
    server.createContext("/health", ex -> answer(ex, health.failingLive(), "live"));
    server.createContext("/ready", ex -> answer(ex, health.failingReady(), "ready"));
    // a scrape must not wait behind another one on the server's single default thread
    server.setExecutor(Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "metrics-http");
      t.setDaemon(true);
      return t;
    }));
    server.start();
  }

  public int port() { return server.getAddress().getPort(); }

  public String url() { return "http://" + hostForUrl() + ":" + port(); }

  private String hostForUrl() {
    java.net.InetAddress a = server.getAddress().getAddress();
    if (a.isAnyLocalAddress()) return "127.0.0.1"; // bound to every interface: the loopback one works here
    return a instanceof java.net.Inet6Address ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
  }

  private static void answer(HttpExchange ex, List<String> failing, String what) throws IOException {
    if (failing.isEmpty()) send(ex, 200, "text/plain", what + "\n");
    else send(ex, 503, "text/plain", "not " + what + ": " + String.join(", ", failing) + "\n");
  }

  private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() { server.stop(0); }
}
