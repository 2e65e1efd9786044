package dev.addp.processors.console;

import dev.addp.avro.RecognitionResult;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.schemas.wire.AvroWireSerde;
import dev.addp.platform.kafka.Topics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the console shows besides the job table: the latest recognition results with the requests
 * they answer (for the image), the latest dead letters and the images of recent generation jobs.
 * One read_committed consumer of its own (no group: it assigns every partition), starting a little
 * before the end of each partition and following the topics; every buffer is bounded. Values are
 * kept as bytes and decoded only when a page asks for them.
 */
public final class RecentRecords implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecentRecords.class);

  /** How many of each kind are kept. */
  public record Limits(int results, int requests, long requestBytes, int deadLetters, int jobs) {
    public static Limits defaults() { return new Limits(48, 512, 64L << 20, 50, 32); }
  }

  /** A record as it was read: key, value bytes and broker timestamp. */
  public record Raw(byte[] key, byte[] value, long timestampMs) { }

  private final Topics topics;
  private final Limits limits;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread thread;
  private final Deque<Raw> results = new ArrayDeque<>();
  private final Deque<Raw> deadLetters = new ArrayDeque<>();
  private final LinkedHashMap<String, byte[]> requests = new LinkedHashMap<>(16, 0.75f, false);
  private long requestBytes;
  private final LinkedHashMap<String, List<byte[]>> jobImages = new LinkedHashMap<>();
  /** Per second of result timestamps: results, and Σ 1/batch size (model runs). */
  private final java.util.TreeMap<Long, double[]> perSecond = new java.util.TreeMap<>();
  private final AvroWireSerde<RecognitionResult> resultSerde;
  private volatile boolean running = true;

  public RecentRecords(KafkaClients clients, AvroSerdes serdes, Limits limits) {
    this.resultSerde = serdes.recognitionResult();
    this.topics = Topics.from(clients.config());
    this.limits = limits;
    this.consumer = clients.groupFreeReader("console-recent-records");
    this.thread = new Thread(this::run, "console-reader");
    thread.setDaemon(true);
  }

  public RecentRecords start() {
    thread.start();
    return this;
  }

  private void run() {
    try {
      List<TopicPartition> all = new ArrayList<>();
      for (String t : List.of(topics.recognitionRequests(), topics.recognitionResults(), topics.deadLetters(), topics.generationResults())) {
        for (PartitionInfo p : consumer.partitionsFor(t, Duration.ofSeconds(30))) all.add(new TopicPartition(t, p.partition()));
      }
      consumer.assign(all);
      Map<TopicPartition, Long> end = consumer.endOffsets(all);
      Map<TopicPartition, Long> begin = consumer.beginningOffsets(all);
      for (TopicPartition tp : all) {
        long back = tp.topic().equals(topics.generationResults()) ? 256 : tp.topic().equals(topics.recognitionRequests()) ? 64 : 32;
        consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - back));
      }
      while (running) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) take(r);
      }
    } catch (WakeupException e) {
      // closing
    } catch (RuntimeException e) {
      if (running) log.warn("console stopped reading recent records: {}", e.toString());
    } finally {
      consumer.close(Duration.ofSeconds(2));
    }
  }

  private synchronized void take(ConsumerRecord<byte[], byte[]> r) {
    if (r.value() == null || r.key() == null) return;
    Raw raw = new Raw(r.key(), r.value(), r.timestamp());
    String topic = r.topic();
    String key = new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
    if (topic.equals(topics.recognitionResults())) {
      push(results, raw, limits.results());
      count(r);
    } else if (topic.equals(topics.deadLetters())) {
      push(deadLetters, raw, limits.deadLetters());
    } else if (topic.equals(topics.recognitionRequests())) {
      byte[] old = requests.put(key, r.value());
      requestBytes += r.value().length - (old == null ? 0 : old.length);
      var it = requests.entrySet().iterator();
      while ((requests.size() > limits.requests() || requestBytes > limits.requestBytes()) && it.hasNext()) {
        requestBytes -= it.next().getValue().length;
        it.remove();
      }
    } else if (topic.equals(topics.generationResults())) {
      jobImages.computeIfAbsent(key, k -> new ArrayList<>()).add(r.value());
      var it = jobImages.entrySet().iterator();
      while (jobImages.size() > limits.jobs() && it.hasNext()) {
        it.next();
        it.remove();
      }
    }
  }

  private void count(ConsumerRecord<byte[], byte[]> r) {
    int batch;
    try {
      batch = resultSerde.deserialize(r.topic(), r.value()).getTimings().getBatchSize();
    } catch (RuntimeException e) {
      return; // not a readable result: it is simply not counted
    }
    double[] bucket = perSecond.computeIfAbsent(r.timestamp() / 1000, k -> new double[2]);
    bucket[0]++;
    bucket[1] += batch > 0 ? 1.0 / batch : 0;
    perSecond.headMap(r.timestamp() / 1000 - 120).clear();
  }

  private static void push(Deque<Raw> q, Raw r, int limit) {
    q.addFirst(r);
    while (q.size() > limit) q.removeLast();
  }

  /** Newest first. */
  public synchronized List<Raw> results() { return List.copyOf(results); }

  /** Newest first. */
  public synchronized List<Raw> deadLetters() { return List.copyOf(deadLetters); }

  /** The recognition request with this key (request id), if it is still kept. */
  public synchronized byte[] request(String requestId) { return requests.get(requestId); }

  /** The result records of a generation job, in arrival order (a rerun attempt may repeat an index). */
  public synchronized List<byte[]> jobImages(String jobId) { return List.copyOf(jobImages.getOrDefault(jobId, List.of())); }

  /**
   * Results per second over the last {@code seconds} whole seconds, and the mean batch size of the
   * model runs behind them: a result from a batch of b is 1/b of a run, so runs = Σ 1/b and the mean
   * batch is results / runs (the same figure as inferences / executions).
   */
  public synchronized Throughput throughput(long nowMs, int seconds) {
    long to = nowMs / 1000;
    long n = 0;
    double runs = 0;
    for (var e : perSecond.entrySet()) {
      if (e.getKey() >= to - seconds && e.getKey() < to) {
        n += (long) e.getValue()[0];
        runs += e.getValue()[1];
      }
    }
    return new Throughput((double) n / seconds, runs == 0 ? 0 : n / runs, n);
  }

  /** Results per second, mean batch size, and how many results that is. */
  public record Throughput(double resultsPerSecond, double meanBatchSize, long results) { }

  @Override
  public void close() throws InterruptedException {
    running = false;
    consumer.wakeup();
    thread.join(5000);
  }
}
