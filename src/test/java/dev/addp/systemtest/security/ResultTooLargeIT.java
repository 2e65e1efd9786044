package dev.addp.systemtest.security;

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
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * A recognition worker whose record limit ({@code record.max.bytes}) is smaller than one of its
 * results (the request's attributes travel into its result): that result would fail the worker's
 * transaction on every retry, so it becomes the request's RESULT_TOO_LARGE dead letter, and the
 * worker goes on answering the requests after it, each once.
 */
class ResultTooLargeIT {
  private static final int LIMIT = 12 * 1024;

  @Test
  void aResultOverTheRecordLimitIsDeadLetteredAndTheWorkerKeepsServing() throws Exception {
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "too-large", 1);
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    FashionMnistSample sample = FashionMnistSample.read(TestModels.sampleDir());
    AddpConfig worker = config.with("model.dir", TestModels.modelDir().toAbsolutePath().toString()).with("worker.id", "too-large-w")
        .with("model.intra.op.threads", "1").with("record.max.bytes", String.valueOf(LIMIT))
        .with("deadletter.max.original.bytes", "512"); // the dead letter itself must fit the limit
    try (RecognitionService service = RecognitionService.start(worker);
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer(); // the default limit: the request fits
         TopicReader results = new TopicReader(config, topics.recognitionResults());
         TopicReader deadLetters = new TopicReader(config, topics.deadLetters())) {
      service.awaitReady(Duration.ofSeconds(60));
      String requests = topics.recognitionRequests();
      send(producer, requests, request("before", sample, 0, Map.of()), serdes);
      send(producer, requests, request("huge", sample, 1, Map.of("note", "x".repeat(LIMIT))), serdes);
      for (int i = 0; i < 5; i++) send(producer, requests, request("after-" + i, sample, 2 + i, Map.of()), serdes);

      List<ConsumerRecord<byte[], byte[]>> answered = results.readUntil(rs -> rs.size() >= 6, Duration.ofSeconds(120));
      answered = results.readToEnd(Duration.ofSeconds(60));
      assertThat(answered.stream().map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value()))
          .map(RecognitionResult::getRequestId)).containsExactlyInAnyOrder("before", "after-0", "after-1", "after-2", "after-3", "after-4");
      List<DeadLetter> letters = deadLetters.readToEnd(Duration.ofSeconds(60)).stream()
          .map(r -> serdes.deadLetter().deserialize(r.topic(), r.value())).toList();
      assertThat(letters).hasSize(1);
      DeadLetter d = letters.get(0);
      assertThat(d.getRequestId()).isEqualTo("huge");
      assertThat(d.getStage()).isEqualTo("recognition");
      assertThat(d.getErrorType()).isEqualTo(ErrorType.RESULT_TOO_LARGE);
      assertThat(d.getMessage()).contains("over the record limit of " + LIMIT);
      assertThat(service.isAlive()).isTrue();
      assertThat(service.failure()).isNull();
    }
  }

  private static ImageRequest request(String id, FashionMnistSample sample, int i, Map<String, String> attributes) {
    return ImageRequest.newBuilder().setRequestId(id).setDataset("too-large").setAttributes(attributes)
        .setImageBytes(ByteBuffer.wrap(sample.png(i))).setSubmittedAtMs(System.currentTimeMillis()).build();
  }

  private static void send(KafkaProducer<byte[], byte[]> producer, String topic, ImageRequest r, AvroSerdes serdes) throws Exception {
    producer.send(new ProducerRecord<>(topic, r.getRequestId().getBytes(StandardCharsets.UTF_8),
        serdes.imageRequest().serialize(topic, r))).get();
  }
}
