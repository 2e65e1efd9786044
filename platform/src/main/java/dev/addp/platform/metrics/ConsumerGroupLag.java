package dev.addp.platform.metrics;

import dev.addp.platform.config.Settings;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed lag of consumer groups, per partition, in records and in seconds:
 * {@code addp_consumer_lag_records{group,topic,partition}} and {@code addp_consumer_lag_seconds}.
 *
 * <p>Records: from the group's committed offset to the last stable offset. Input topics are written
 * transactionally, so a caught-up group sits one offset (a commit marker) short of the end; when a
 * read from the committed offset finds only markers up to the end, the lag is 0. Seconds: the age of
 * the oldest record the group has not committed (now minus its timestamp), read with a consumer of
 * its own that belongs to no group. Refreshed every {@code metrics.lag.interval.ms} while metrics are
 * on.
 */
public final class ConsumerGroupLag implements AutoCloseable {
  public static final String INTERVAL = Settings.METRICS_LAG_INTERVAL_MS.key();
  private static final Logger log = LoggerFactory.getLogger(ConsumerGroupLag.class);
  private static final Duration PEEK_TIMEOUT = Duration.ofSeconds(2);

  /** One partition of one group: how far behind it is. */
  public record Lag(String group, TopicPartition partition, long records, double seconds) { }

  private final Metrics metrics;
  private final Supplier<Admin> adminFactory;
  private final Supplier<KafkaConsumer<byte[], byte[]>> consumerFactory;
  private final Set<String> groups = ConcurrentHashMap.newKeySet();
  private final MultiGauge records;
  private final MultiGauge seconds;
  private final ScheduledExecutorService scheduler;
  private volatile List<Lag> latest = List.of();
  private Admin admin;
  private KafkaConsumer<byte[], byte[]> peek;

  public ConsumerGroupLag(Metrics metrics, Supplier<Admin> admin, Supplier<KafkaConsumer<byte[], byte[]>> peekConsumer) {
    this.metrics = metrics;
    this.adminFactory = admin;
    this.consumerFactory = peekConsumer;
    this.records = MultiGauge.builder("addp.consumer.lag.records").description("records the group has not committed yet")
        .register(metrics.registry());
    this.seconds = MultiGauge.builder("addp.consumer.lag.seconds")
        .description("age of the oldest record the group has not committed yet").baseUnit("seconds").register(metrics.registry());
    this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "consumer-lag");
      t.setDaemon(true);
      return t;
    });
  }

  /** Watches a group (a worker group or a Kafka Streams application id). */
  public ConsumerGroupLag watch(String group) {
    groups.add(group);
    return this;
  }

  public ConsumerGroupLag start(Duration interval) {
    scheduler.scheduleWithFixedDelay(() -> {
      if (!metrics.enabled()) return; // the benchmark's "off" rounds: no broker round trips either
      try {
        refresh();
      } catch (Exception e) {
        log.debug("consumer lag not measured this time: {}", e.toString());
      }
    }, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** The figures of the last refresh. */
  public List<Lag> latest() { return latest; }

  /** Measures every watched group now (also what the scheduled refresh runs). */
  public synchronized List<Lag> refresh() throws Exception {
    if (admin == null) admin = adminFactory.get();
    List<Lag> out = new ArrayList<>();
    for (String group : groups) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      committed.values().removeIf(o -> o == null);
      if (committed.isEmpty()) continue;
      Map<TopicPartition, OffsetSpec> latestSpec = new HashMap<>();
      committed.keySet().forEach(tp -> latestSpec.put(tp, OffsetSpec.latest()));
      Map<TopicPartition, Long> end = new HashMap<>();
      admin.listOffsets(latestSpec, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get()
          .forEach((tp, info) -> end.put(tp, info.offset()));
      Map<TopicPartition, Long> behind = new HashMap<>();
      committed.forEach((tp, o) -> behind.put(tp, Math.max(0, end.getOrDefault(tp, o.offset()) - o.offset())));
      Map<TopicPartition, Long> oldest = oldestTimestamps(committed, behind, end);
      long now = System.currentTimeMillis();
      for (TopicPartition tp : committed.keySet()) {
        long n = behind.get(tp);
        Long ts = oldest.get(tp);
        if (n > 0 && ts == null && peek.position(tp) >= end.get(tp)) n = 0; // nothing but transaction markers left
        out.add(new Lag(group, tp, n, n == 0 || ts == null ? 0 : Math.max(0, now - ts) / 1000.0));
      }
    }
    latest = List.copyOf(out);
    records.register(rows(out, l -> (double) l.records()), true);
    seconds.register(rows(out, Lag::seconds), true);
    return latest;
  }

  /** The timestamp of the first record at or after the committed offset, for the partitions that are behind. */
  private Map<TopicPartition, Long> oldestTimestamps(Map<TopicPartition, OffsetAndMetadata> committed, Map<TopicPartition, Long> behind,
                                                     Map<TopicPartition, Long> end) {
    List<TopicPartition> lagging = behind.entrySet().stream().filter(e -> e.getValue() > 0).map(Map.Entry::getKey).toList();
    Map<TopicPartition, Long> first = new HashMap<>();
    if (lagging.isEmpty()) return first;
    if (peek == null) peek = consumerFactory.get();
    peek.assign(lagging);
    lagging.forEach(tp -> peek.seek(tp, committed.get(tp).offset()));
    long deadline = System.nanoTime() + PEEK_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline && !allSettled(lagging, first, end)) {
      for (ConsumerRecord<byte[], byte[]> r : peek.poll(Duration.ofMillis(100))) {
        first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.timestamp());
      }
      for (TopicPartition tp : lagging) if (first.containsKey(tp)) peek.pause(List.of(tp));
    }
    peek.resume(peek.assignment());
    return first;
  }

  private boolean allSettled(Collection<TopicPartition> lagging, Map<TopicPartition, Long> first, Map<TopicPartition, Long> end) {
    for (TopicPartition tp : lagging) if (!first.containsKey(tp) && peek.position(tp) < end.get(tp)) return false;
    return true;
  }

  private static List<MultiGauge.Row<?>> rows(List<Lag> lags, java.util.function.ToDoubleFunction<Lag> value) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    for (Lag l : lags) {
      rows.add(MultiGauge.Row.of(Tags.of("group", l.group(), "topic", l.partition().topic(), "partition",
          String.valueOf(l.partition().partition())), value.applyAsDouble(l)));
    }
    return rows;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      if (peek != null) peek.close(Duration.ofSeconds(2));
      if (admin != null) admin.close(Duration.ofSeconds(2));
    }
  }
}
