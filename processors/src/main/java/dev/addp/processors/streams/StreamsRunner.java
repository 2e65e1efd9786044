package dev.addp.processors.streams;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one topology. A stream thread that dies (for example while the schema registry is
 * unreachable) is replaced after a pause: with exactly-once its open transaction is aborted, so the
 * records it held are processed again, not lost.
 */
public final class StreamsRunner implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StreamsRunner.class);
  private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

  private final KafkaStreams streams;

  public StreamsRunner(Topology topology, Map<String, Object> settings) {
    Properties p = new Properties();
    p.putAll(settings);
    this.streams = new KafkaStreams(topology, p);
    streams.setUncaughtExceptionHandler(e -> {
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

  public boolean isRunning() { return streams.state().isRunningOrRebalancing(); }

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
