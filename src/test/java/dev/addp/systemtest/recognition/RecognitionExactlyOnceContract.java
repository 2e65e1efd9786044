package dev.addp.systemtest.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.processors.ingest.IngestTopology;
import dev.addp.processors.streams.StreamsRunner;
import dev.addp.systemtest.support.BadImages;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import dev.addp.systemtest.support.WorkerProcess;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;

/**
 * Through a real broker and registry: hundreds of image requests → exactly one result each, read
 * with read_committed, while one of two workers is killed with SIGKILL mid-stream and restarted
 * (its partitions move to the survivor, then back), and corrupt images flow past to the dead-letter
 * topic with their reasons.
 */
public abstract class RecognitionExactlyOnceContract {
  static final int VALID = 600;

  protected abstract AddpConfig stackConfig();

  @Test
  void everyRequestGetsExactlyOneResultAcrossAWorkerCrashAndRestart() throws Exception {
    AddpConfig config = TestTopics.isolate(stackConfig(), "recognition", 4)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString())
        .with("recognition.batch.size", "16")
        .with("model.intra.op.threads", "1");
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    FashionMnistSample sample = FashionMnistSample.read(TestModels.sampleDir());
    Map<String, ErrorType> corrupt = Map.of("bad-random", ErrorType.UNKNOWN_FORMAT, "bad-truncated", ErrorType.TRUNCATED_IMAGE);

    try (StreamsRunner ingest = new StreamsRunner(IngestTopology.build(config, serdes),
            new KafkaClients(config).streams(IngestTopology.applicationId(config))).start();
         WorkerProcess survivor = WorkerProcess.start("recognition", config.with("worker.id", "survivor"));
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer();
         TopicReader results = new TopicReader(config, topics.recognitionResults());
         TopicReader deadLetters = new TopicReader(config, topics.deadLetters())) {
      WorkerProcess victim = WorkerProcess.start("recognition", config.with("worker.id", "victim"));
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < VALID; i++) {
        if (i == 100) sent.add(send(producer, serdes, topics, "bad-random", BadImages.randomBytes(300, 3)));
        if (i == 300) sent.add(send(producer, serdes, topics, "bad-truncated", BadImages.truncated(sample.png(1))));
        sent.add(send(producer, serdes, topics, "img-" + i, sample.png(i % sample.count())));
      }
      producer.flush();
      for (Future<RecordMetadata> f : sent) f.get(); // every request is on the raw topic: what goes missing later is the service's fault

      results.readUntil(rs -> alive(survivor) && alive(victim) && rs.size() >= VALID / 4, Duration.ofSeconds(120));
      victim.kill(); // mid-stream: its open transaction and uncommitted batches are left behind
      results.readUntil(rs -> alive(survivor) && rs.size() >= VALID / 2, Duration.ofSeconds(120));
      try (WorkerProcess restarted = WorkerProcess.start("recognition", config.with("worker.id", "victim"))) {
        List<ConsumerRecord<byte[], byte[]>> all = results.readUntil(rs -> distinctIds(rs, serdes).size() >= VALID, Duration.ofSeconds(180));
        all = results.readToEnd(Duration.ofSeconds(60));
        Map<String, Long> perId = all.stream().map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value()))
            .collect(Collectors.groupingBy(RecognitionResult::getRequestId, Collectors.counting()));
        assertThat(perId).as("one result per request; survivor log:\n" + survivor.log()).hasSize(VALID);
        assertThat(perId.values()).allMatch(n -> n == 1);
        assertThat(all).hasSize(VALID);
        assertThat(restarted.isAlive()).isTrue();
      }
      Map<String, DeadLetter> dead = new HashMap<>();
      for (ConsumerRecord<byte[], byte[]> r : deadLetters.readUntil(rs -> rs.size() >= corrupt.size(), Duration.ofSeconds(30))) {
        DeadLetter d = serdes.deadLetter().deserialize(r.topic(), r.value());
        dead.put(d.getRequestId(), d);
      }
      assertThat(deadLetters.readToEnd(Duration.ofSeconds(60))).hasSize(corrupt.size());
      corrupt.forEach((id, type) -> assertThat(dead.get(id).getErrorType()).isEqualTo(type));
    }
  }

  /** Fails the test at once, with the worker's log, if a worker process has died. */
  private static boolean alive(WorkerProcess worker) {
    if (!worker.isAlive()) throw new AssertionError("worker process exited:\n" + worker.log());
    return true;
  }

  private static java.util.Set<String> distinctIds(List<ConsumerRecord<byte[], byte[]>> rs, AvroSerdes serdes) {
    return rs.stream().map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value()).getRequestId()).collect(Collectors.toSet());
  }

  private static Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> p, AvroSerdes serdes, Topics topics, String id, byte[] image) {
    ImageRequest req = ImageRequest.newBuilder().setRequestId(id).setDataset("eos-test").setImageBytes(ByteBuffer.wrap(image))
        .setSubmittedAtMs(System.currentTimeMillis()).build();
    return p.send(new ProducerRecord<>(topics.imagesRaw(), id.getBytes(StandardCharsets.UTF_8), serdes.imageRequest().serialize(topics.imagesRaw(), req)));
  }
}
