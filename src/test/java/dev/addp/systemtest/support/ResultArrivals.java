package dev.addp.systemtest.support;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * Reads the results topic (read_committed, in no group, so its own pauses are the cluster's) and
 * notes when each result arrived and on which partition: the gaps between arrivals are the pauses
 * a client sees. Results are keyed by request id like their requests, so a results partition
 * stands for the request partition of the same number.
 */
public final class ResultArrivals implements AutoCloseable {
  private record Arrival(int partition, long nanos) { }

  private final List<Arrival> arrivals = Collections.synchronizedList(new ArrayList<>());
  private final Set<String> ids = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  public ResultArrivals(AddpConfig config, String topic) {
    AvroSerdes serdes = AvroSerdes.from(config);
    KafkaConsumer<byte[], byte[]> consumer = new KafkaClients(config).groupFreeReader("result-arrivals");
    List<TopicPartition> partitions = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    thread = new Thread(() -> {
      try (consumer) {
        while (running.get()) {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
            arrivals.add(new Arrival(r.partition(), System.nanoTime()));
            ids.add(serdes.recognitionResult().deserialize(r.topic(), r.value()).getRequestId());
          }
        }
      }
    }, "result-arrivals");
    thread.start();
  }

  public int count() { return arrivals.size(); }

  public long countSince(long nanos) {
    synchronized (arrivals) {
      return arrivals.stream().filter(a -> a.nanos() > nanos).count();
    }
  }

  /** Request ids with a result so far. */
  public Set<String> ids() { return ids; }

  /** The longest time without any new result between {@code from} and {@code to} (nanoTime), in seconds. */
  public double longestGap(long from, long to) {
    synchronized (arrivals) {
      return gap(arrivals.stream().map(Arrival::nanos).toList(), from, to);
    }
  }

  /** The longest time one partition went without a new result between {@code from} and {@code to}, in seconds. */
  public double longestPartitionGap(long from, long to) {
    Map<Integer, List<Long>> byPartition;
    synchronized (arrivals) {
      byPartition = arrivals.stream().collect(Collectors.groupingBy(Arrival::partition, Collectors.mapping(Arrival::nanos, Collectors.toList())));
    }
    return byPartition.values().stream().mapToDouble(times -> gap(times, from, to)).max().orElse((to - from) / 1e9);
  }

  private static double gap(List<Long> all, long from, long to) {
    List<Long> times = all.stream().filter(t -> t >= from && t <= to).sorted().toList();
    long longest = 0;
    long previous = from;
    for (long t : times) {
      longest = Math.max(longest, t - previous);
      previous = t;
    }
    return Math.max(longest, to - previous) / 1e9;
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join(10_000);
  }
}
