package dev.addp.workers.generation.jobs;

import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.ImageTrack;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Continuous batching across jobs. Every step, the images already running keep their place; free
 * places go to waiting images by priority, then arrival (FIFO). A waiting job's priority grows by one
 * for every {@code agingMs} it has waited, so a stream of high-priority jobs cannot starve it.
 * Jobs join and leave only at step boundaries.
 */
public final class JobScheduler {
  private final int capacity;
  private final long agingMs;
  private final LongSupplier nanoClock;
  private final Map<String, Job> jobs = new LinkedHashMap<>();

  public JobScheduler(int capacity, long agingMs) { this(capacity, agingMs, System::nanoTime); }

  /** @param nanoClock what "now" is for aging: {@link System#nanoTime} except in tests, which move time themselves */
  public JobScheduler(int capacity, long agingMs, LongSupplier nanoClock) {
    this.capacity = capacity;
    this.agingMs = agingMs;
    this.nanoClock = nanoClock;
  }

  public void add(Job job) { jobs.put(job.id(), job); }

  public Job get(String id) { return jobs.get(id); }

  public Job remove(String id) { return jobs.remove(id); }

  public List<Job> jobs() { return List.copyOf(jobs.values()); }

  public boolean isEmpty() { return jobs.isEmpty(); }

  /** Jobs held, queued or running. */
  public int size() { return jobs.size(); }

  /** Admits waiting images into free places and returns every unfinished image to step now. */
  public List<ImageTrack> nextBatch(GenerationLoop loop) {
    int running = 0;
    for (Job j : jobs.values()) for (ImageTrack t : j.tracks()) if (!t.done()) running++;
    int free = capacity - running;
    if (free > 0) {
      long now = nanoClock.getAsLong();
      List<Job> waiting = new ArrayList<>();
      for (Job j : jobs.values()) if (j.remainingToAdmit() > 0) waiting.add(j);
      waiting.sort(Comparator.comparingDouble((Job j) -> -effectivePriority(j, now)).thenComparingLong(Job::queuedAtNanos));
      for (Job j : waiting) {
        if (free == 0) break;
        int n = Math.min(free, j.remainingToAdmit());
        j.admit(n, loop);
        free -= n;
      }
    }
    List<ImageTrack> batch = new ArrayList<>();
    for (Job j : jobs.values()) for (ImageTrack t : j.tracks()) if (!t.done()) batch.add(t);
    return batch;
  }

  double effectivePriority(Job j, long nowNanos) {
    return j.spec().priority() + (nowNanos - j.queuedAtNanos()) / 1e6 / agingMs;
  }
}
