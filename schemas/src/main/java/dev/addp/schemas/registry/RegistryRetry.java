package dev.addp.schemas.registry;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Bounded retries of one registry call while the registry is unavailable (refused, timed out, 5xx),
 * with doubling back-off. After the last attempt the failure goes to the caller, whose fault policy
 * decides to pause and retry later; an answer (2xx or 4xx) is never retried here.
 */
public record RegistryRetry(int attempts, Duration firstBackoff, Duration maxBackoff) {
  public static final RegistryRetry DEFAULT = new RegistryRetry(4, Duration.ofMillis(100), Duration.ofSeconds(1));
  public static final RegistryRetry NONE = new RegistryRetry(1, Duration.ZERO, Duration.ZERO);

  public RegistryRetry {
    if (attempts < 1) throw new IllegalArgumentException("attempts must be at least 1, got " + attempts);
  }

  public <T> T call(Supplier<T> request) {
    long backoffMs = firstBackoff.toMillis();
    for (int attempt = 1; ; attempt++) {
      try {
        return request.get();
      } catch (RegistryUnavailableException e) {
        if (attempt >= attempts || Thread.currentThread().isInterrupted()) throw e;
      }
      try {
        Thread.sleep(backoffMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RegistryUnavailableException("interrupted while waiting to retry the schema registry", e);
      }
      backoffMs = Math.min(maxBackoff.toMillis(), Math.max(1, backoffMs * 2));
    }
  }
}
