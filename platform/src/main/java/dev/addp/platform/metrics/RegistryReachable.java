package dev.addp.platform.metrics;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.function.BooleanSupplier;

/**
 * Readiness check: the schema registry answers {@code GET /subjects}. The answer is kept for a few
 * seconds, so a probe every second costs the registry one request every few.
 */
public final class RegistryReachable implements BooleanSupplier {
  private static final long CACHE_NANOS = Duration.ofSeconds(5).toNanos();

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final HttpRequest request;
  private long checkedAt;
  private boolean last;

  public RegistryReachable(AddpConfig config) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(config.require(Settings.REGISTRY_URL).replaceAll("/+$", "") + "/subjects"))
        .timeout(Duration.ofSeconds(2)).GET();
    String auth = config.get(Settings.REGISTRY_BASIC_AUTH, "");
    if (!auth.isBlank()) {
      b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(auth.getBytes(StandardCharsets.UTF_8)));
    }
    this.request = b.build();
  }

  @Override
  public synchronized boolean getAsBoolean() {
    if (checkedAt != 0 && System.nanoTime() - checkedAt < CACHE_NANOS) return last;
    try {
      last = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (java.io.IOException e) {
      last = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      last = false;
    }
    checkedAt = System.nanoTime();
    return last;
  }
}
