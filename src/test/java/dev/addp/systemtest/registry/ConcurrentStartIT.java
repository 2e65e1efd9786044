package dev.addp.systemtest.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.avro.CancelCommand;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.embedded.EmbeddedKafka;
import dev.addp.embedded.EmbeddedSchemaRegistry;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.systemtest.support.BadImages;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestRegistry;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The race that once broke CI: several workers start at the same instant against a fresh registry
 * (its own Apicurio child JVM, nothing registered), the requests then reach all of them at once, and
 * all register the same result and dead-letter schemas as their first batches finish. Repeated in rounds, each on fresh topics (hence fresh
 * subjects); every worker must stay alive and answer its own partition. Each round also has many
 * clients register every record type on fresh subjects at one instant, straight at the registry.
 */
class ConcurrentStartIT {
  private static final int WORKERS = 3;
  private static final int PER_PARTITION = 6;
  private static final int ROUNDS = Integer.getInteger("addp.concurrent.rounds", 5);
  /** Whole runs, each on its own freshly started registry (-Daddp.concurrent.runs=20 for the soak the issue asks for). */
  private static final int RUNS = Integer.getInteger("addp.concurrent.runs", 1);
  private static final List<Class<? extends SpecificRecord>> TYPES = List.of(ImageRequest.class, RecognitionResult.class,
      DeadLetter.class, GenerationRequest.class, GenerationEvent.class, GenerationResult.class, CancelCommand.class);

  private static EmbeddedKafka kafka;

  @BeforeAll
  static void broker() { kafka = EmbeddedKafka.start(); }

  @AfterAll
  static void stop() {
    if (kafka != null) kafka.close();
  }

  @TestFactory
  Stream<DynamicTest> workersStartingAtOnceAgainstAFreshRegistryAllWork() {
    return IntStream.rangeClosed(1, RUNS).mapToObj(run -> DynamicTest.dynamicTest("run " + run + " of " + RUNS, () -> {
      try (EmbeddedSchemaRegistry registry = EmbeddedSchemaRegistry.start(TestRegistry.distribution())) {
        AddpConfig base = AddpConfig.of(Map.of(AddpConfig.BOOTSTRAP_SERVERS, kafka.bootstrapServers(),
            AddpConfig.REGISTRY_URL, registry.ccompatUrl()));
        FashionMnistSample sample = FashionMnistSample.read(TestModels.sampleDir());
        for (int round = 1; round <= ROUNDS; round++) {
          long t0 = System.nanoTime();
          clientsRegisteringAtOnceAllGetOneId(base, round);
          workersStartedAtOnceEachAnswerTheirPartition(base, sample, round);
          System.out.printf("concurrent start: run %d of %d, round %d of %d: %d workers answered, %.1f s%n", run, RUNS, round, ROUNDS,
              WORKERS, (System.nanoTime() - t0) / 1e9);
        }
      }
    }));
  }

  private void clientsRegisteringAtOnceAllGetOneId(AddpConfig base, int round) throws Exception {
    String prefix = "stress-" + round + "-" + System.nanoTime() + ".";
    int clients = 6;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<Integer>>> ids = new ArrayList<>();
    for (int c = 0; c < clients; c++) {
      AvroSerdes serdes = AvroSerdes.from(base); // its own registry client: no shared cache between them
      ids.add(pool.submit(() -> {
        start.await();
        List<Integer> mine = new ArrayList<>();
        for (Class<? extends SpecificRecord> type : TYPES) {
          mine.add(serdes.registry().register(prefix + type.getSimpleName() + "-value", serdes.of(type).schema()));
        }
        return mine;
      }));
    }
    start.countDown();
    List<Integer> first = ids.get(0).get();
    for (Future<List<Integer>> f : ids) assertThat(f.get()).as("round %d: every client got the same ids", round).isEqualTo(first);
    assertThat(Set.copyOf(first)).as("one id per type").hasSize(TYPES.size());
    pool.shutdown();
  }

  private void workersStartedAtOnceEachAnswerTheirPartition(AddpConfig base, FashionMnistSample sample, int round) throws Exception {
    AddpConfig config = TestTopics.isolate(base, "concurrent-" + round, WORKERS)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString())
        .with("recognition.batch.size", "4")
        .with("model.intra.op.threads", "1")
        .with("recognition.decode.threads", "1");
    Topics topics = Topics.from(config);
    AvroSerdes serdes = AvroSerdes.from(config);
    ExecutorService starter = Executors.newFixedThreadPool(WORKERS);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<RecognitionService>> starting = new ArrayList<>();
    for (int w = 0; w < WORKERS; w++) {
      AddpConfig mine = config.with("worker.id", "w" + w);
      starting.add(starter.submit(() -> {
        go.await();
        return RecognitionService.start(mine);
      }));
    }
    go.countDown();
    List<RecognitionService> workers = new ArrayList<>();
    try (TopicReader results = new TopicReader(config, topics.recognitionResults());
         TopicReader deadLetters = new TopicReader(config, topics.deadLetters())) {
      for (Future<RecognitionService> f : starting) workers.add(f.get());
      // Once all three own partitions, each owns exactly one; the requests then land on all three at once,
      // and each registers the result and dead-letter schemas the moment its first batch is done.
      for (RecognitionService w : workers) w.awaitReady(Duration.ofSeconds(60));
      int valid = WORKERS * PER_PARTITION;
      try (KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer()) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int i = 0; i < valid; i++) {
          sent.add(send(producer, serdes, topics, i % WORKERS, "img-" + i, sample.png(i % sample.count())));
        }
        for (int p = 0; p < WORKERS; p++) sent.add(send(producer, serdes, topics, p, "bad-" + p, BadImages.randomBytes(200, p)));
        producer.flush();
        for (Future<RecordMetadata> f : sent) f.get();
      }

      List<ConsumerRecord<byte[], byte[]>> all = results.readUntil(rs -> allAlive(workers, round) && rs.size() >= valid,
          Duration.ofSeconds(120));
      List<RecognitionResult> decoded = all.stream().map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value())).toList();
      Map<String, Long> perId = decoded.stream().collect(Collectors.groupingBy(RecognitionResult::getRequestId, Collectors.counting()));
      assertThat(perId).as("round %d: one result per request", round).hasSize(valid);
      assertThat(perId.values()).allMatch(n -> n == 1);
      assertThat(decoded.stream().map(RecognitionResult::getWorkerId).collect(Collectors.toSet()))
          .as("round %d: every worker answered", round).hasSize(WORKERS);
      assertThat(deadLetters.readUntil(rs -> rs.size() >= WORKERS, Duration.ofSeconds(30))).hasSize(WORKERS);
      assertThat(workers).allMatch(RecognitionService::isAlive);
    } finally {
      starter.shutdown();
      for (RecognitionService w : workers) w.close();
    }
  }

  private static boolean allAlive(List<RecognitionService> workers, int round) {
    for (RecognitionService w : workers) if (!w.isAlive()) throw new AssertionError("round " + round + ": a worker died");
    return true;
  }

  private static Future<RecordMetadata> send(KafkaProducer<byte[], byte[]> p, AvroSerdes serdes, Topics topics, int partition,
                                             String id, byte[] image) {
    ImageRequest req = ImageRequest.newBuilder().setRequestId(id).setDataset("concurrent-start").setImageBytes(ByteBuffer.wrap(image))
        .setSubmittedAtMs(System.currentTimeMillis()).build();
    return p.send(new ProducerRecord<>(topics.recognitionRequests(), partition, id.getBytes(StandardCharsets.UTF_8),
        serdes.imageRequest().serialize(topics.recognitionRequests(), req)));
  }
}
