package dev.addp.workers.recognition;

import dev.addp.workers.metrics.RecognitionMetrics;
import java.util.concurrent.atomic.AtomicLong;

/** Counters a running worker exposes (results, dead letters, batches, model time). */
public final class WorkerStats {
  public final AtomicLong results = new AtomicLong();
  public final AtomicLong deadLetters = new AtomicLong();
  public final AtomicLong batches = new AtomicLong();
  public final AtomicLong inferenceNanos = new AtomicLong();
  public final AtomicLong abortedTransactions = new AtomicLong();
  /** Times reading paused at the in-flight limit, and the most records held at once (waiting + in the model). */
  public final AtomicLong pauses = new AtomicLong();
  public final AtomicLong peakHeld = new AtomicLong();
  /** Where the stages also report, for /metrics (set before the worker starts; no-op meters by default). */
  public volatile RecognitionMetrics metrics = RecognitionMetrics.none();

  public double meanBatchSize() {
    long b = batches.get();
    return b == 0 ? 0 : (double) results.get() / b;
  }
}
