package dev.addp.workers.lifecycle;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;
import dev.addp.schemas.DeadLetters;
import java.time.Duration;

/**
 * The fault settings both workers share: how often a Kafka failure is retried and how long to back
 * off, how long to pause while the registry is away, and how large an original value may travel
 * inside a dead letter.
 */
public record FaultSettings(int maxRetries, Duration retryBackoff, Duration maxRetryBackoff, Duration registryBackoff,
                            int deadLetterMaxOriginalBytes) {
  public static final String MAX_RETRIES = Settings.WORKER_RETRY_MAX.key();
  public static final String RETRY_BACKOFF_MS = Settings.WORKER_RETRY_BACKOFF_MS.key();
  public static final String MAX_RETRY_BACKOFF_MS = Settings.WORKER_RETRY_BACKOFF_MAX_MS.key();
  public static final String REGISTRY_BACKOFF_MS = Settings.WORKER_REGISTRY_BACKOFF_MS.key();
  public static final String DEADLETTER_MAX_ORIGINAL_BYTES = Settings.DEADLETTER_MAX_ORIGINAL_BYTES.key();

  public static FaultSettings from(AddpConfig config) {
    return new FaultSettings(config.getInt(Settings.WORKER_RETRY_MAX),
        Duration.ofMillis(config.getLong(Settings.WORKER_RETRY_BACKOFF_MS)),
        Duration.ofMillis(config.getLong(Settings.WORKER_RETRY_BACKOFF_MAX_MS)),
        Duration.ofMillis(config.getLong(Settings.WORKER_REGISTRY_BACKOFF_MS)),
        config.getInt(Settings.DEADLETTER_MAX_ORIGINAL_BYTES));
  }

  /** The wait before retry number {@code attempt} (1-based): doubling from {@link #retryBackoff}, capped. */
  public Duration backoff(int attempt) {
    long ms = retryBackoff.toMillis() << Math.min(20, Math.max(0, attempt - 1));
    return Duration.ofMillis(Math.min(ms, maxRetryBackoff.toMillis()));
  }

  public DeadLetters deadLetters(String stage, String workerId) {
    return new DeadLetters(stage, workerId, deadLetterMaxOriginalBytes);
  }
}
