package dev.addp.systemtest.recognition;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.embedded.EmbeddedKafka;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TopicReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/** The broker stops and comes back (same log directory) in the middle of a stream: every request still gets exactly one result. */
class BrokerRestartIT {
  static final int REQUESTS = 300;

  private static void send(KafkaProducer<byte[], byte[]> producer, Topics topics, AvroSerdes serdes, FashionMnistSample sample, int i) {
    String id = "r-" + i;
    ImageRequest req = ImageRequest.newBuilder().setRequestId(id).setImageBytes(ByteBuffer.wrap(sample.png(i))).build();
    producer.send(new ProducerRecord<>(topics.imagesRaw(), id.getBytes(StandardCharsets.UTF_8), serdes.imageRequest().serialize(topics.imagesRaw(), req)));
  }

  @Test
  void aBrokerRestartMidStreamLosesAndDoublesNothing() throws Exception {
    EmbeddedKafka broker = EmbeddedKafka.start();
    try {
      AddpConfig config = AddpConfig.of(Map.of(AddpConfig.BOOTSTRAP_SERVERS, broker.bootstrapServers(),
          AddpConfig.REGISTRY_URL, SharedEmbeddedStack.get().registry().ccompatUrl(),
          "model.dir", TestModels.modelDir().toAbsolutePath().toString(), "worker.id", "restart-worker",
          "recognition.batch.size", "8", "model.intra.op.threads", "1"));
      try (Admin admin = new KafkaClients(config).admin()) {
        Topics.from(config).createAll(admin, 2, (short) 1);
      }
      Topics topics = Topics.from(config);
      AvroSerdes serdes = AvroSerdes.from(config);
      FashionMnistSample sample = FashionMnistSample.read(TestModels.sampleDir());
      try (RoleRunner roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION), config);
           KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer()) {
        roles.awaitReady(Duration.ofSeconds(60));
        for (int i = 0; i < REQUESTS / 2; i++) send(producer, topics, serdes, sample, i);
        producer.flush();
        try (TopicReader results = new TopicReader(config, topics.recognitionResults())) {
          results.readUntil(rs -> rs.size() >= REQUESTS / 10, Duration.ofSeconds(120));
        }
        broker.stop();
        // An outage is a length of time: a broker back before the clients' reconnect back-off (up to
        // 1 s) has passed would test nothing, and no event says "every client has noticed".
        Thread.sleep(2000);
        broker = broker.restart();
        // The second half is sent once the broker is back, so the worker has work on both sides of
        // the restart however fast it answered the first half.
        for (int i = REQUESTS / 2; i < REQUESTS; i++) send(producer, topics, serdes, sample, i);
        producer.flush();
        try (TopicReader results = new TopicReader(config, topics.recognitionResults())) {
          results.readUntil(rs -> rs.size() >= REQUESTS, Duration.ofSeconds(180));
          List<ConsumerRecord<byte[], byte[]>> all = results.readToEnd(Duration.ofSeconds(60));
          Map<String, Long> perId = all.stream().map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value()))
              .collect(Collectors.groupingBy(RecognitionResult::getRequestId, Collectors.counting()));
          assertThat(perId).hasSize(REQUESTS);
          assertThat(perId.values()).allMatch(n -> n == 1);
        }
      }
    } finally {
      broker.close();
    }
  }
}
