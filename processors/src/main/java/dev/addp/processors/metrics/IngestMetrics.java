package dev.addp.processors.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The ingest stage: {@code addp_ingest_accepted_total} and {@code addp_ingest_dead_letters_total{reason}}.
 * Counted as records pass through the topology; a task retried after an aborted transaction counts
 * its records again (Kafka Streams' own metrics have the same property).
 */
public final class IngestMetrics {
  private final MeterRegistry registry;
  private final Counter accepted;
  private final Map<String, Counter> rejected = new ConcurrentHashMap<>();

  public IngestMetrics(MeterRegistry registry) {
    this.registry = registry;
    this.accepted = Counter.builder("addp.ingest.accepted").description("raw requests validated and forwarded to recognition")
        .register(registry);
  }

  public void accepted() { accepted.increment(); }

  public void deadLettered(String reason) {
    rejected.computeIfAbsent(reason, r -> Counter.builder("addp.ingest.dead.letters").description("raw requests dead-lettered, by typed reason")
        .tag("reason", r).register(registry)).increment();
  }
}
