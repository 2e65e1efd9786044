package dev.addp.workers.recognition;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;

/**
 * When a batch is due: as soon as {@code maxBatch} records wait, or when the oldest waiting record
 * has waited {@code maxDelayMs}. Reading pauses at {@code maxInFlight} waiting records and resumes
 * below half of it, so memory stays bounded when the model is the bottleneck.
 */
public record BatchPolicy(int maxBatch, long maxDelayMs, int maxInFlight) {
  public static BatchPolicy from(AddpConfig c) {
    int batch = c.getInt(Settings.RECOGNITION_BATCH_SIZE);
    return new BatchPolicy(batch, c.getLong(Settings.RECOGNITION_BATCH_MAX_DELAY_MS),
        c.getInt(Settings.RECOGNITION_MAX_IN_FLIGHT, Math.max(4 * batch, 256)));
  }

  public BatchPolicy {
    if (maxBatch < 1 || maxDelayMs < 0 || maxInFlight < maxBatch) {
      throw new IllegalArgumentException("need batch >= 1, delay >= 0, in-flight >= batch: " + maxBatch + ", " + maxDelayMs + ", " + maxInFlight);
    }
  }

  public boolean due(int waiting, long oldestWaitedMs) {
    return waiting >= maxBatch || (waiting > 0 && oldestWaitedMs >= maxDelayMs);
  }

  /** How long the next poll may block without making the oldest record miss its deadline. */
  public long pollTimeoutMs(int waiting, long oldestWaitedMs) {
    if (waiting == 0) return 100;
    return Math.max(0, maxDelayMs - oldestWaitedMs);
  }

  public boolean shouldPause(int waiting) { return waiting >= maxInFlight; }

  public boolean shouldResume(int waiting) { return waiting < maxInFlight / 2; }
}
