package dev.addp.workers.lifecycle;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.DeadLetters;
import java.time.Duration;

/**
 * The fault settings both workers share: how often a Kafka failure is retried and how long to back
 * off, how long to pause while the registry is away, and how large an original value may travel
 * inside a dead letter.
 */
public record FaultSettings(int maxRetries, Duration retryBackoff, Duration maxRetryBackoff, Duration registryBackoff,
                            int deadLetterMaxOriginalBytes) {
  public static final String MAX_RETRIES = "worker.retry.max";
  public static final String RETRY_BACKOFF_MS = "worker.retry.backoff.ms";
  public static final String MAX_RETRY_BACKOFF_MS = "worker.retry.backoff.max.ms";
  public static final String REGISTRY_BACKOFF_MS = "worker.registry.backoff.ms";
  public static final String DEADLETTER_MAX_ORIGINAL_BYTES = "deadletter.max.original.bytes";

  public static FaultSettings from(AddpConfig config) {
    return new FaultSettings(config.getInt(MAX_RETRIES, 5),
        Duration.ofMillis(config.getLong(RETRY_BACKOFF_MS, 200)),
        Duration.ofMillis(config.getLong(MAX_RETRY_BACKOFF_MS, 5_000)),
        Duration.ofMillis(config.getLong(REGISTRY_BACKOFF_MS, 1_000)),
        config.getInt(DEADLETTER_MAX_ORIGINAL_BYTES, DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES));
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
