package dev.addp.app.run;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.Task;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Sends images through the service as a client would (raw topic, Avro, the registry) and reads
 * every outcome back (results and dead letters, read_committed), timing each request.
 */
public final class RecognitionRoundTrip {
  /** Names this client's consumer groups ({@link ClientIds#clientGroup}) and its entry in {@code addp acls}. */
  public static final String CLIENT = "submit";

  /** Everything that came back, by request id. */
  public record Outcome(Map<String, RecognitionResult> results, Map<String, DeadLetter> deadLetters,
                        Map<String, Long> latencyMs, long firstSendMs, long lastOutcomeMs) {
    public double throughputPerSecond() {
      int n = results.size() + deadLetters.size();
      return n == 0 ? 0 : n * 1000.0 / Math.max(1, lastOutcomeMs - firstSendMs);
    }
  }

  private final AddpConfig config;
  private final AvroSerdes serdes;
  private final Topics topics;

  public RecognitionRoundTrip(AddpConfig config) {
    this.config = config;
    this.serdes = AvroSerdes.from(config);
    this.topics = Topics.from(config);
  }

  /** One image to send: its request id, encoded bytes, client attributes, the model (null = default) and the tasks. */
  public record Item(String id, byte[] image, Map<String, String> attributes, String model, List<Task> tasks) {
    public Item(String id, byte[] image, Map<String, String> attributes) { this(id, image, attributes, null, List.of(Task.CLASSIFY)); }
  }

  /**
   * Sends {@code count} images, then waits until every one has a result or a dead letter, or the
   * timeout passes.
   */
  public Outcome run(String dataset, int count, IntFunction<Item> items, Duration timeout, boolean progress) {
    return run(dataset, count, items, timeout, progress, 0);
  }

  /** As {@link #run}, sending at most {@code perSecond} requests a second (0: as fast as possible). */
  public Outcome run(String dataset, int count, IntFunction<Item> items, Duration timeout, boolean progress, double perSecond) {
    KafkaClients clients = new KafkaClients(config);
    Map<String, Long> sentAt = new HashMap<>();
    Map<String, RecognitionResult> results = new HashMap<>();
    Map<String, DeadLetter> deadLetters = new HashMap<>();
    Map<String, Long> latency = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> consumer = clients.readCommittedConsumer(ClientIds.from(config).clientGroup(CLIENT));
         KafkaProducer<byte[], byte[]> producer = clients.producer();
         ProgressBar bar = progress ? new ProgressBarBuilder().setTaskName("recognise").setInitialMax(count).build() : null) {
      consumer.subscribe(List.of(topics.recognitionResults(), topics.deadLetters()));
      awaitAssignment(consumer);
      long firstSend = System.currentTimeMillis();
      for (int i = 0; i < count; i++) {
        Item item = items.apply(i);
        String id = item.id();
        long now = System.currentTimeMillis();
        ImageRequest req = ImageRequest.newBuilder().setRequestId(id).setDataset(dataset)
            .setImageBytes(ByteBuffer.wrap(item.image())).setTasks(item.tasks()).setModel(item.model()).setTopK(3)
            .setSubmittedAtMs(now).setAttributes(item.attributes()).build();
        sentAt.put(id, now);
        producer.send(new ProducerRecord<>(topics.imagesRaw(), id.getBytes(StandardCharsets.UTF_8),
            serdes.imageRequest().serialize(topics.imagesRaw(), req)));
        if (i % 64 == 63) drain(consumer, sentAt, results, deadLetters, latency, bar, Duration.ZERO); // a poll per send costs more than the send
        if (perSecond > 0) {
          producer.flush();
          long due = firstSend + (long) ((i + 1) * 1000 / perSecond);
          for (long left; (left = due - System.currentTimeMillis()) > 0; ) {
            drain(consumer, sentAt, results, deadLetters, latency, bar, Duration.ofMillis(left));
          }
        }
      }
      producer.flush();
      long deadline = System.currentTimeMillis() + timeout.toMillis();
      long last = firstSend;
      while (results.size() + deadLetters.size() < count && System.currentTimeMillis() < deadline) {
        if (drain(consumer, sentAt, results, deadLetters, latency, bar, Duration.ofMillis(100)) > 0) last = System.currentTimeMillis();
      }
      return new Outcome(results, deadLetters, latency, firstSend, last);
    }
  }

  private int drain(KafkaConsumer<byte[], byte[]> consumer, Map<String, Long> sentAt, Map<String, RecognitionResult> results,
                    Map<String, DeadLetter> deadLetters, Map<String, Long> latency, ProgressBar bar, Duration wait) {
    int n = 0;
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
      long now = System.currentTimeMillis();
      String id;
      if (r.topic().equals(topics.recognitionResults())) {
        RecognitionResult res = serdes.recognitionResult().deserialize(r.topic(), r.value());
        id = res.getRequestId();
        if (!sentAt.containsKey(id)) continue;
        results.put(id, res);
      } else {
        DeadLetter dl = serdes.deadLetter().deserialize(r.topic(), r.value());
        id = dl.getRequestId();
        if (id == null || !sentAt.containsKey(id)) continue;
        deadLetters.put(id, dl);
      }
      latency.putIfAbsent(id, now - sentAt.get(id));
      n++;
      if (bar != null) bar.stepTo(results.size() + deadLetters.size());
    }
    return n;
  }

  /** Waits for the consumer's partitions so that it sees every outcome from the first one on. */
  static void awaitAssignment(KafkaConsumer<byte[], byte[]> consumer) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (consumer.assignment().isEmpty() && System.currentTimeMillis() < deadline) consumer.poll(Duration.ofMillis(100));
    consumer.seekToEnd(consumer.assignment());
    consumer.assignment().forEach(consumer::position);
  }
}
