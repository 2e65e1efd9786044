package dev.addp.processors.streams;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongSupplier;

/** Counts events within a sliding time window and says when more than a limit happened in it. */
final class ReplacementWindow {
  private final int limit;
  private final long windowNanos;
  private final LongSupplier clock;
  private final Deque<Long> times = new ArrayDeque<>();

  ReplacementWindow(int limit, Duration window, LongSupplier clock) {
    this.limit = limit;
    this.windowNanos = window.toNanos();
    this.clock = clock;
  }

  synchronized void record() {
    times.addLast(clock.getAsLong());
    forgetOld();
  }

  /** More than the limit within the window ending now. */
  synchronized boolean exceeded() {
    forgetOld();
    return times.size() > limit;
  }

  private void forgetOld() {
    long now = clock.getAsLong();
    while (!times.isEmpty() && now - times.peekFirst() > windowNanos) times.removeFirst();
    while (times.size() > limit + 1) times.removeFirst(); // only whether the limit is passed matters
  }
}
