package dev.addp.systemtest.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.GenerationClient.JobOutcome;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.JobState;
import dev.addp.avro.RecognitionResult;
import dev.addp.embedded.EmbeddedKafka;
import dev.addp.embedded.EmbeddedSchemaRegistry;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.JobStates;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestRegistry;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import dev.addp.workers.generation.jobs.GenerationService;
import dev.addp.workers.recognition.RecognitionService;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The schema registry goes away mid-stream and comes back (its child JVM stopped and started again
 * on the same port, storage in a file). Requests written meanwhile carry a schema id the workers have
 * not seen, so they must ask the registry: they pause and retry, and once it is back every request
 * gets exactly one answer (read_committed) and nothing is dead-lettered for the outage.
 */
class RegistryOutageIT {
  private static EmbeddedKafka kafka;
  private static EmbeddedSchemaRegistry registry;
  private static AddpConfig base;

  @BeforeAll
  static void stack() throws IOException {
    kafka = EmbeddedKafka.start();
    registry = EmbeddedSchemaRegistry.startPersistent(TestRegistry.distribution(), Files.createTempDirectory("addp-registry-data-"));
    base = AddpConfig.of(Map.of(AddpConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(), AddpConfig.REGISTRY_URL, registry.ccompatUrl(),
        "worker.registry.backoff.ms", "300", "model.dir", TestModels.modelDir().toAbsolutePath().toString(),
        "model.intra.op.threads", "1"));
  }

  @AfterAll
  static void stop() {
    if (registry != null) registry.close();
    if (kafka != null) kafka.close();
  }

  @Test
  void recognitionPausesThroughAnOutageAndAnswersEveryRequestOnce() throws Exception {
    AddpConfig config = TestTopics.isolate(base, "outage-recognition", 2).with("recognition.batch.size", "8");
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    FashionMnistSample sample = FashionMnistSample.read(TestModels.sampleDir());
    int wave = 60;
    try (RecognitionService worker = RecognitionService.start(config.with("worker.id", "outage-r"));
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer();
         TopicReader results = new TopicReader(config, topics.recognitionResults());
         TopicReader deadLetters = new TopicReader(config, topics.deadLetters())) {
      worker.awaitReady(Duration.ofSeconds(60));
      String subject = topics.recognitionRequests() + "-value";
      List<byte[]> before = new ArrayList<>();
      for (int i = 0; i < wave; i++) before.add(serdes.imageRequest().serialize(topics.recognitionRequests(), image("before-" + i, sample, i)));
      sendAll(producer, topics.recognitionRequests(), before, i -> "before-" + i);
      results.readUntil(rs -> rs.size() >= wave, Duration.ofSeconds(120));

      Schema next = withExtraField(serdes.imageRequest().schema());
      int nextId = serdes.registry().register(subject, next);
      registry.stop();
      List<byte[]> during = new ArrayList<>();
      for (int i = 0; i < wave; i++) during.add(wire(nextId, next, copy(image("during-" + i, sample, wave + i), next)));
      sendAll(producer, topics.recognitionRequests(), during, i -> "during-" + i);
      await().atMost(Duration.ofSeconds(60)).until(() -> worker.faultCounts().registryPauses.get() > 0);
      assertThat(worker.isAlive()).isTrue();
      registry.restart();

      List<ConsumerRecord<byte[], byte[]>> all = results.readUntil(rs -> rs.size() >= 2 * wave, Duration.ofSeconds(120));
      all = results.readToEnd(Duration.ofSeconds(60));
      Map<String, Long> perId = all.stream().map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value()))
          .collect(Collectors.groupingBy(RecognitionResult::getRequestId, Collectors.counting()));
      assertThat(perId).hasSize(2 * wave);
      assertThat(perId.values()).allMatch(n -> n == 1);
      assertThat(deadLetters.readToEnd(Duration.ofSeconds(60))).as("nothing dead-lettered for the outage").isEmpty();
      assertThat(worker.failure()).isNull();
      assertThat(worker.isAlive()).isTrue();
    }
  }

  @Test
  void generationPausesThroughAnOutageAndEndsEveryJobOnce() throws Exception {
    AddpConfig config = TestTopics.isolate(base, "outage-generation", 2).with("generation.batch.size", "16");
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    try (GenerationService worker = GenerationService.start(config.with("worker.id", "outage-g"));
         GenerationClient client = new GenerationClient(config);
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer();
         TopicReader deadLetters = new TopicReader(config, topics.deadLetters())) {
      worker.awaitReady(Duration.ofSeconds(60));
      GenerationRequest first = job("before", 4).build();
      client.submit(first);
      Map<String, JobOutcome> outcomes = new java.util.HashMap<>(client.await(List.of("before"), Map.of("before", 4), Duration.ofSeconds(120), e -> { }));

      String subject = topics.generationRequests() + "-value";
      Schema next = withExtraField(serdes.generationRequest().schema());
      int nextId = serdes.registry().register(subject, next);
      GenerationRequest running = job("running", 4).setSteps(12).build();
      client.submit(running); // known schema id: starts while the registry goes away
      registry.stop();
      List<String> ids = List.of("during-0", "during-1", "during-2");
      List<byte[]> during = new ArrayList<>();
      for (String id : ids) during.add(wire(nextId, next, copy(job(id, 2).build(), next)));
      sendAll(producer, topics.generationRequests(), during, ids::get);
      await().atMost(Duration.ofSeconds(60)).until(() -> worker.faultCounts().registryPauses.get() > 0);
      registry.restart();

      List<String> later = new ArrayList<>(ids);
      later.add(0, "running");
      Map<String, Integer> counts = new java.util.HashMap<>(Map.of("running", 4));
      ids.forEach(id -> counts.put(id, 2));
      outcomes.putAll(client.await(later, counts, Duration.ofSeconds(180), e -> { }));
      assertThat(client.readToEnd(outcomes, Duration.ofSeconds(60))).as("read to the committed end").isTrue();
      counts.put("before", 4);
      for (Map.Entry<String, Integer> job : counts.entrySet()) {
        JobOutcome o = outcomes.get(job.getKey());
        assertThat(o.events().stream().filter(e -> JobStates.isTerminal(e.getState())).map(e -> e.getState()))
            .as("job %s ends once", job.getKey()).containsExactly(JobState.SUCCEEDED);
        assertThat(o.results().stream().map(GenerationResult::getIndex).sorted().toList())
            .as("job %s: every image once", job.getKey()).isEqualTo(java.util.stream.IntStream.range(0, job.getValue()).boxed().toList());
      }
      assertThat(deadLetters.readToEnd(Duration.ofSeconds(60))).as("nothing dead-lettered for the outage").isEmpty();
      assertThat(worker.failure()).isNull();
      assertThat(worker.isAlive()).isTrue();
    }
  }

  @Test
  void theCocoExportWaitsOutAnOutageAndWritesEveryResultOnce(@org.junit.jupiter.api.io.TempDir Path out) throws Exception {
    AddpConfig config = TestTopics.isolate(base, "outage-coco", 2);
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    int wave = 40;
    Path coco = out.resolve("outage-coco.coco.json");
    AddpConfig connect = config.with("connect.coco.dir", out.toString()).with("connect.coco.datasets", "outage-coco")
        .with("connect.coco.name", topics.prefix() + "coco-outage").with("connect.offsets.file", out.resolve("offsets").toString())
        .with("metrics.http.port", "0");
    try (dev.addp.app.roles.RoleRunner sink = dev.addp.app.roles.RoleRunner.start(List.of(dev.addp.app.roles.ProcessRole.CONNECT), connect);
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer()) {
      List<byte[]> before = new ArrayList<>();
      for (int i = 0; i < wave; i++) before.add(serdes.recognitionResult().serialize(topics.recognitionResults(), result("before-" + i)));
      sendAll(producer, topics.recognitionResults(), before, i -> "outage-coco/before-" + i);
      await().atMost(Duration.ofSeconds(120)).until(() -> exported(coco).size() == wave);

      // results under a schema id the sink has not read yet: reading them needs the registry, which is gone
      Schema next = withExtraField(serdes.recognitionResult().schema());
      int nextId = serdes.registry().register(topics.recognitionResults() + "-value", next);
      registry.stop();
      List<byte[]> during = new ArrayList<>();
      for (int i = 0; i < wave; i++) during.add(wire(nextId, next, copy(result("during-" + i), next)));
      sendAll(producer, topics.recognitionResults(), during, i -> "outage-coco/during-" + i);
      // nothing is skipped while the registry is away: the export holds still (its offsets do not move past them)
      await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(20)).until(() -> exported(coco).size() == wave);
      registry.restart();

      await().atMost(Duration.ofSeconds(120)).until(() -> exported(coco).size() == 2 * wave);
      List<String> ids = exported(coco);
      assertThat(new java.util.HashSet<>(ids)).as("every result once").hasSize(2 * wave);
      for (int i = 0; i < wave; i++) assertThat(ids).contains("outage-coco/before-" + i, "outage-coco/during-" + i);
    }
  }

  private static RecognitionResult result(String id) {
    return RecognitionResult.newBuilder().setRequestId("outage-coco/" + id).setDataset("outage-coco")
        .setModel(new dev.addp.avro.ModelRef("m", "1", "abc")).setImage(new dev.addp.avro.ImageInfo("png", 28, 28, 100L))
        .setClassifications(List.of(new dev.addp.avro.Classification(1, "Trouser", 0.9f)))
        .setTimings(new dev.addp.avro.RecognitionTimings(0.0, 0.0, 0.0, 1)).setWorkerId("w").setAttributes(Map.of())
        .setProducedAtMs(System.currentTimeMillis()).build();
  }

  /** The request ids of the images in the COCO file, in file order (duplicates kept). */
  private static List<String> exported(Path coco) throws IOException {
    List<String> ids = new ArrayList<>();
    if (!Files.exists(coco)) return ids;
    for (com.fasterxml.jackson.databind.JsonNode img : new com.fasterxml.jackson.databind.ObjectMapper().readTree(coco.toFile())
        .path("images")) {
      ids.add(img.get("request_id").asText());
    }
    return ids;
  }

  private static GenerationRequest.Builder job(String id, int count) {
    return GenerationRequest.newBuilder().setJobId(id).setCount(count).setSeed(11).setSteps(8).setSubmittedAtMs(System.currentTimeMillis());
  }

  private static ImageRequest image(String id, FashionMnistSample sample, int i) {
    return ImageRequest.newBuilder().setRequestId(id).setDataset("outage-test")
        .setImageBytes(ByteBuffer.wrap(sample.png(i % sample.count()))).setSubmittedAtMs(System.currentTimeMillis()).build();
  }

  /** The type's schema plus one optional field: a compatible next version, with an id no worker has seen yet. */
  private static Schema withExtraField(Schema schema) {
    List<Schema.Field> fields = new ArrayList<>();
    for (Schema.Field f : schema.getFields()) fields.add(new Schema.Field(f, f.schema()));
    fields.add(new Schema.Field("outage_probe", Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.STRING)),
        "written only by this test", Schema.Field.NULL_DEFAULT_VALUE));
    return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
  }

  /** The same values under the next schema (every field exists in both, by name). */
  private static GenericRecord copy(GenericRecord from, Schema next) {
    GenericRecordBuilder b = new GenericRecordBuilder(next);
    for (Schema.Field f : from.getSchema().getFields()) b.set(f.name(), from.get(f.name()));
    return b.build();
  }

  /** Confluent wire format by hand: magic byte, schema id, Avro binary. */
  private static byte[] wire(int id, Schema schema, GenericRecord record) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
    new GenericDatumWriter<GenericRecord>(schema).write(record, enc);
    enc.flush();
    return out.toByteArray();
  }

  private static void sendAll(KafkaProducer<byte[], byte[]> producer, String topic, List<byte[]> values, Function<Integer, String> key)
      throws Exception {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (int i = 0; i < values.size(); i++) {
      sent.add(producer.send(new ProducerRecord<>(topic, key.apply(i).getBytes(StandardCharsets.UTF_8), values.get(i))));
    }
    producer.flush();
    for (Future<RecordMetadata> f : sent) f.get();
  }
}
