package dev.addp.systemtest.support;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.avro.ImageRequest;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Steady recognition requests (Fashion-MNIST PNGs) at a fixed rate, each acknowledged by the cluster or counted as failed. */
public final class PacedRequests implements AutoCloseable {
  private final Set<String> acked = ConcurrentHashMap.newKeySet();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final Thread thread;

  public PacedRequests(AddpConfig config, FashionMnistSample sample, int perSecond) {
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer();
    thread = new Thread(() -> {
      try (producer) {
        long start = System.nanoTime();
        for (int i = 0; running.get(); i++) {
          String id = "r-" + i;
          ImageRequest req = ImageRequest.newBuilder().setRequestId(id).setImageBytes(ByteBuffer.wrap(sample.png(i % sample.count())))
              .setSubmittedAtMs(System.currentTimeMillis()).build();
          producer.send(new ProducerRecord<>(topics.imagesRaw(), id.getBytes(StandardCharsets.UTF_8),
              serdes.imageRequest().serialize(topics.imagesRaw(), req)), (md, e) -> {
                if (e == null) acked.add(id);
                else failed.incrementAndGet();
              });
          long wait = start + (i + 1) * 1_000_000_000L / perSecond - System.nanoTime();
          if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // pacing the load, not waiting on a condition
        }
        producer.flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "paced-requests");
    thread.start();
  }

  /** Stops sending and waits until every sent request is acknowledged or failed. */
  public void stop() throws InterruptedException {
    running.set(false);
    thread.join(TimeUnit.MINUTES.toMillis(3));
  }

  public Set<String> acked() { return Set.copyOf(acked); }

  public int failed() { return failed.get(); }

  @Override
  public void close() throws InterruptedException { stop(); }
}
