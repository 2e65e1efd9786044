package dev.addp.processors.streams;

import dev.addp.schemas.registry.RegistryUnavailableException;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one topology. A stream thread that dies (for example while the schema registry is
 * unreachable) is replaced after a pause: with exactly-once its open transaction is aborted, so the
 * records it held are processed again, not lost. A thread that keeps dying (more than
 * {@link #MAX_REPLACEMENTS} replacements within {@link #REPLACEMENT_WINDOW}) is a crash loop, not a
 * hiccup: {@link #isLive()} turns false, so {@code /health} answers 503 and names the role. Deaths
 * while the schema registry is unreachable are not counted (readiness reports the registry).
 */
public final class StreamsRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StreamsRunner.class);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
  static final int MAX_REPLACEMENTS = 5;
  static final Duration REPLACEMENT_WINDOW = Duration.ofMinutes(2);

  private final KafkaStreams streams;
  private volatile Throwable failure;
  private final ReplacementWindow replacements = new ReplacementWindow(MAX_REPLACEMENTS, REPLACEMENT_WINDOW, System::nanoTime);

  public StreamsRunner(Topology topology, Map<String, Object> settings) {
    Properties p = new Properties();
    p.putAll(settings);
    this.streams = new KafkaStreams(topology, p);
    streams.setUncaughtExceptionHandler(e -> {
      Throwable fatal = fatalCause(e);
      if (fatal != null) {
        // a new thread would fail the same way, forever: stop, so that `addp serve` exits and says why
        log.error("stream thread failed with {}: {}; stopping this Streams application", fatal.getClass().getSimpleName(), fatal.getMessage());
        failure = fatal;
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
      }
      if (DeadLetterOnUnreadable.causedBy(e, RegistryUnavailableException.class) == null) replacements.record();
      log.error("stream thread failed; replacing it in {} ms: {}", RETRY_PAUSE.toMillis(), e.toString());
      try {
        Thread.sleep(RETRY_PAUSE.toMillis());
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
  }

  public StreamsRunner start() {
    streams.start();
    return this;
  }

  public KafkaStreams streams() { return streams; }

  /** The error no retry can cure that stopped the application (missing ACL, failed login, old broker), or null. */
  public Throwable failure() { return failure; }

  /** Authorization, authentication and unsupported-version errors, wherever Streams wrapped them. */
  static Throwable fatalCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AuthorizationException || t instanceof AuthenticationException || t instanceof UnsupportedVersionException) return t;
    }
    return null;
  }

  public boolean isRunning() { return streams.state().isRunningOrRebalancing(); }

  /** Running, and not replacing dying threads over and over. */
  public boolean isLive() { return isRunning() && !replacements.exceeded(); }

  /** Waits until every stream thread has its tasks (state RUNNING). */
  public void awaitRunning(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("streams not running after " + timeout + ": " + streams.state());
      Thread.sleep(50);
    }
  }

  @Override
  public void close() { streams.close(Duration.ofSeconds(30)); }
}
