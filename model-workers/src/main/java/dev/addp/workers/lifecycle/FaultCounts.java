package dev.addp.workers.lifecycle;

import java.util.concurrent.atomic.AtomicLong;

/** How often a worker met each kind of fault and recovered (for metrics, logs and tests that wait on an outage). */
public final class FaultCounts {
  /** Times the worker paused because the schema registry could not be reached. */
  public final AtomicLong registryPauses = new AtomicLong();
  /** Transactions aborted and re-read from the last commit after a retriable Kafka error. */
  public final AtomicLong rewinds = new AtomicLong();
}
