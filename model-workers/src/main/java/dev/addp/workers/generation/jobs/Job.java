package dev.addp.workers.generation.jobs;

import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.ImageTrack;
import dev.addp.workers.generation.StreamSeeds;
import dev.addp.workers.generation.Uniforms;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/** A job on this worker: its request's coordinates, attempt, and the images admitted so far. */
public final class Job {
  private final JobSpec spec;
  private final TopicPartition partition;
  private final long offset;
  private final int attempt;
  private final long queuedAtNanos;
  private final List<ImageTrack> tracks = new ArrayList<>();
  private long startedAtMs;

  public Job(JobSpec spec, TopicPartition partition, long offset, int attempt) {
    this(spec, partition, offset, attempt, System.nanoTime());
  }

  /** @param queuedAtNanos when the job started waiting, on the scheduler's clock (aging counts from here) */
  public Job(JobSpec spec, TopicPartition partition, long offset, int attempt, long queuedAtNanos) {
    this.spec = spec;
    this.partition = partition;
    this.offset = offset;
    this.attempt = attempt;
    this.queuedAtNanos = queuedAtNanos;
  }

  public JobSpec spec() { return spec; }
  public String id() { return spec.jobId(); }
  public TopicPartition partition() { return partition; }
  public long offset() { return offset; }
  public int attempt() { return attempt; }
  public long queuedAtNanos() { return queuedAtNanos; }
  public long startedAtMs() { return startedAtMs; }
  public List<ImageTrack> tracks() { return tracks; }

  public int admitted() { return tracks.size(); }

  public int remainingToAdmit() { return spec.count() - tracks.size(); }

  /** Starts the next {@code n} images; image i always gets the random stream of (seed, i). */
  public void admit(int n, GenerationLoop loop) {
    if (tracks.isEmpty()) startedAtMs = System.currentTimeMillis();
    for (int j = 0; j < n; j++) {
      int index = tracks.size();
      tracks.add(loop.newTrack(spec.settings(), Uniforms.of(StreamSeeds.forImage(spec.seed(), index)), spec.start()));
    }
  }

  public boolean finished() { return tracks.size() == spec.count() && tracks.stream().allMatch(ImageTrack::done); }

  /** Steps done by the job's least advanced image (what a progress event reports). */
  public int progressStep() { return tracks.stream().mapToInt(ImageTrack::step).min().orElse(0); }

  public int imagesDone() { return (int) tracks.stream().filter(ImageTrack::done).count(); }

  public boolean expired(long nowMs) { return spec.deadlineMs() != null && nowMs > spec.deadlineMs(); }
}
