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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Steady recognition requests (Fashion-MNIST PNGs) at a fixed rate, each acknowledged by the cluster or counted as failed. */
public final class PacedRequests implements AutoCloseable {
  private final Set<String> acked = ConcurrentHashMap.newKeySet();
  private final AtomicInteger failed = new AtomicInteger();
  private final AtomicInteger sent = new AtomicInteger();
  private final ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "paced-requests"));
  private final KafkaProducer<byte[], byte[]> producer;

  public PacedRequests(AddpConfig config, FashionMnistSample sample, int perSecond) {
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    producer = new KafkaClients(config).producer();
    pacer.scheduleAtFixedRate(() -> {
      int i = sent.getAndIncrement();
      String id = "r-" + i;
      ImageRequest req = ImageRequest.newBuilder().setRequestId(id).setImageBytes(ByteBuffer.wrap(sample.png(i % sample.count())))
          .setSubmittedAtMs(System.currentTimeMillis()).build();
      try {
        producer.send(new ProducerRecord<>(topics.imagesRaw(), id.getBytes(StandardCharsets.UTF_8),
            serdes.imageRequest().serialize(topics.imagesRaw(), req)), (md, e) -> {
              if (e == null) acked.add(id);
              else failed.incrementAndGet();
            });
      } catch (RuntimeException e) {
        failed.incrementAndGet();   // a send refused at once (e.g. metadata timeout while a broker is down); keep pacing
      }
    }, 0, 1_000_000_000L / perSecond, TimeUnit.NANOSECONDS);
  }

  /** Stops sending and waits until every sent request is acknowledged or failed. */
  public void stop() throws InterruptedException {
    if (pacer.isShutdown()) return;
    pacer.shutdown();
    pacer.awaitTermination(1, TimeUnit.MINUTES);
    producer.flush();
    producer.close();
  }

  public Set<String> acked() { return Set.copyOf(acked); }

  public int failed() { return failed.get(); }

  @Override
  public void close() throws InterruptedException { stop(); }
}
