package dev.addp.workers.generation.jobs;

/** Which jobs were cancelled, and why: the {@link CancelWatcher} following the control topic, in a worker. */
interface Cancels {
  boolean isCancelled(String jobId);

  /** The reason the cancel gave, or null (only asked of a cancelled job). */
  String reason(String jobId);
}
