package dev.addp.platform.metrics;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmCompilationMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The process's metrics: one registry every role records into, exposed in the Prometheus text
 * format by {@link MetricsServer}.
 *
 * <p>Why Micrometer (with its Prometheus registry) rather than the Prometheus Java client alone: it
 * ships the binders this service needs ready-made and maintained — every Kafka producer's,
 * consumer's and Kafka Streams instance's own metrics ({@link KafkaClientMetrics},
 * {@link KafkaStreamsMetrics}) and the JVM's — and it writes Prometheus names by convention
 * ({@code _total}, {@code _seconds}, base units) from dotted names, through the Prometheus client
 * underneath.
 *
 * <p>Instrumentation records into a composite registry; the Prometheus registry is its only child
 * while metrics are on. Off ({@code metrics.enabled=false}, or {@link #setEnabled} at run time, which
 * the benchmark uses to compare both in one run) the composite has no child and every meter is a
 * no-op.
 */
public final class Metrics implements AutoCloseable {
  public static final String ENABLED = Settings.METRICS_ENABLED.key();

  private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
  private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<AutoCloseable> binders = new ArrayList<>();
  private volatile boolean enabled;

  private Metrics(boolean enabled) {
    setEnabled(enabled);
    JvmGcMetrics gc = new JvmGcMetrics();
    binders.add(gc);
    for (var binder : List.of(new JvmMemoryMetrics(), gc, new JvmThreadMetrics(), new ClassLoaderMetrics(),
        new JvmCompilationMetrics(), new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics())) {
      binder.bindTo(registry);
    }
  }

  public static Metrics from(AddpConfig config) { return new Metrics(config.getBoolean(Settings.METRICS_ENABLED)); }

  /** Meters that record nothing (tools, tests that do not look at metrics). */
  public static Metrics disabled() { return new Metrics(false); }

  /** Where instrumentation records. */
  public MeterRegistry registry() { return registry; }

  public boolean enabled() { return enabled; }

  public synchronized void setEnabled(boolean on) {
    if (on && !enabled) registry.add(prometheus);
    if (!on && enabled) registry.remove(prometheus);
    enabled = on;
  }

  /** Everything recorded so far, in the Prometheus text format (version 0.0.4). */
  public String scrape() { return prometheus.scrape(); }

  /** Binds a Kafka client's own metrics (fetch lag, request rates, transaction times, ...). */
  public void bind(Producer<?, ?> producer) { bind(new KafkaClientMetrics(producer)); }

  public void bind(Consumer<?, ?> consumer) { bind(new KafkaClientMetrics(consumer)); }

  public void bind(KafkaStreams streams) { bind(new KafkaStreamsMetrics(streams)); }

  private synchronized void bind(io.micrometer.core.instrument.binder.MeterBinder binder) {
    binder.bindTo(registry);
    if (binder instanceof AutoCloseable c) binders.add(c);
  }

  @Override
  public synchronized void close() {
    for (AutoCloseable c : binders) {
      try {
        c.close();
      } catch (Exception e) {
        // a binder that cannot let go of its client's metrics only leaks a gauge
      }
    }
    binders.clear();
    registry.close();
    prometheus.close();
  }
}
