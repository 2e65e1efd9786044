package dev.addp.workers.lifecycle;

import java.time.Duration;

/**
 * What the recognition and generation services share: the {@link Worker}'s own thread, and what the
 * process reports of it (alive, ready, why it stopped, its fault counts); closing stops the worker,
 * waits for its thread, then frees what the service built around it (model sessions, pools).
 */
public abstract class WorkerService implements AutoCloseable {
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);

  private final String kind;
  private final Worker worker;
  private final Thread thread;
  private boolean closed;

  protected WorkerService(String kind, Worker worker) {
    this.kind = kind;
    this.worker = worker;
    this.thread = new Thread(worker, kind + "-worker");
  }

  /** Starts the worker's thread (once the service is fully built). */
  protected final void startWorker() { thread.start(); }

  public final boolean isAlive() { return thread.isAlive(); }

  /** Ready to serve: the model is loaded (it is, once the service exists), the thread runs and has joined its group. */
  public final boolean isReady() {
    try {
      return thread.isAlive() && worker.awaitAssignment(Duration.ZERO);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public final FaultCounts faultCounts() { return worker.faultCounts(); }

  /** Why the worker stopped on its own (a fatal error), or null while it runs. */
  public final String failure() { return worker.failure(); }

  public final void awaitReady(Duration timeout) throws InterruptedException {
    if (!worker.awaitAssignment(timeout)) throw new IllegalStateException(kind + " worker got no partitions within " + timeout);
  }

  /** Frees what the service built around the worker, after the worker's thread has ended. */
  protected abstract void closeResources() throws Exception;

  @Override
  public final synchronized void close() throws Exception {
    if (closed) return;
    closed = true;
    worker.close();
    thread.join(JOIN_TIMEOUT.toMillis());
    closeResources();
  }
}
