package dev.addp.app.folder;

import dev.addp.avro.DatasetManifest;
import dev.addp.avro.DatasetProgress;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.Task;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * One client run over a dataset: writes its manifest, sends its images (request id
 * {@code <dataset>/<relative path>}), and follows the outcomes (results, dead letters) and the
 * dataset's progress record until every sent image is accounted for.
 */
public final class DatasetRun implements AutoCloseable {
  private final String dataset;
  private final List<Task> tasks;
  private final Topics topics;
  private final AvroSerdes serdes;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final KafkaProducer<byte[], byte[]> producer;
  private final Map<String, RecognitionResult> results = new LinkedHashMap<>();
  private final Map<String, DeadLetter> deadLetters = new LinkedHashMap<>();
  private final Map<String, String> sendFailures = new ConcurrentHashMap<>();
  private DatasetProgress progress;

  /** Names this client's consumer groups ({@link ClientIds#clientGroup}) and its entry in {@code addp acls}. */
  public static final String CLIENT = "annotate";

  public DatasetRun(AddpConfig config, String dataset, List<Task> tasks) {
    this.dataset = dataset;
    this.tasks = tasks;
    this.topics = Topics.from(config);
    this.serdes = AvroSerdes.from(config);
    KafkaClients clients = new KafkaClients(config);
    this.consumer = clients.readCommittedConsumer(ClientIds.from(config).clientGroup(CLIENT));
    this.producer = clients.producer();
    consumer.subscribe(List.of(topics.recognitionResults(), topics.deadLetters(), topics.datasetProgress()));
    awaitAssignment();
  }

  public static String requestId(String dataset, String relative) { return dataset + "/" + relative; }

  /**
   * Writes the manifest ({@code total} images) and sends the files; a file that cannot be read or
   * sent is reported to {@code onFailure} at once and left out.
   *
   * @return request id → file, for every image handed to the producer
   */
  public Map<String, FolderScan.ScannedFile> send(Collection<FolderScan.ScannedFile> files, int total,
                                                  Consumer<FileOutcome> onFailure) {
    DatasetManifest manifest = DatasetManifest.newBuilder().setDataset(dataset).setTotal(total).setTasks(tasks)
        .setSubmittedAtMs(System.currentTimeMillis()).setAttributes(Map.of("client", "addp-cli")).build();
    producer.send(new ProducerRecord<>(topics.datasets(), bytes(dataset), serdes.of(DatasetManifest.class).serialize(topics.datasets(), manifest)));
    Map<String, FolderScan.ScannedFile> sent = new LinkedHashMap<>();
    for (FolderScan.ScannedFile f : files) {
      String id = requestId(dataset, f.relative());
      byte[] image;
      try {
        image = Files.readAllBytes(f.path());
      } catch (IOException e) {
        onFailure.accept(new FileOutcome(f.relative(), FileOutcome.Status.SKIPPED, "unreadable", e.toString(), id));
        continue;
      }
      ImageRequest r = ImageRequest.newBuilder().setRequestId(id).setDataset(dataset).setImageBytes(ByteBuffer.wrap(image))
          .setTasks(tasks).setSubmittedAtMs(System.currentTimeMillis())
          .setAttributes(Map.of("relative_path", f.relative(), "file", f.path().toString())).build();
      producer.send(new ProducerRecord<>(topics.imagesRaw(), bytes(id), serdes.imageRequest().serialize(topics.imagesRaw(), r)),
          (meta, error) -> {
            if (error != null && sendFailures.putIfAbsent(id, error.toString()) == null) {
              onFailure.accept(new FileOutcome(f.relative(), FileOutcome.Status.SEND_FAILED, error.getClass().getSimpleName(),
                  error.getMessage(), id));
            }
          });
      sent.put(id, f);
      drain(Duration.ZERO);
    }
    producer.flush();
    sendFailures.keySet().forEach(sent::remove);
    return sent;
  }

  /**
   * Polls until every id has a result or a dead letter and {@code alsoDone} holds, or the timeout
   * passes; {@code onProgress} sees each progress record of the dataset.
   */
  public void await(Set<String> ids, Duration timeout, Consumer<DatasetProgress> onProgress, BooleanSupplier alsoDone) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      DatasetProgress before = progress;
      drain(Duration.ofMillis(200));
      if (progress != null && progress != before) onProgress.accept(progress);
      if (accounted(ids) && alsoDone.getAsBoolean()) return;
    }
  }

  private boolean accounted(Set<String> ids) {
    for (String id : ids) if (!results.containsKey(id) && !deadLetters.containsKey(id)) return false;
    return true;
  }

  private void drain(Duration wait) {
    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
      if (r.value() == null) continue;
      if (r.topic().equals(topics.recognitionResults())) {
        RecognitionResult res = serdes.recognitionResult().deserialize(r.topic(), r.value());
        if (dataset.equals(res.getDataset())) results.putIfAbsent(res.getRequestId(), res);
      } else if (r.topic().equals(topics.deadLetters())) {
        DeadLetter d = serdes.deadLetter().deserialize(r.topic(), r.value());
        if (d.getRequestId() != null && d.getRequestId().startsWith(dataset + "/")) deadLetters.putIfAbsent(d.getRequestId(), d);
      } else if (dataset.equals(new String(r.key(), StandardCharsets.UTF_8))) {
        progress = serdes.of(DatasetProgress.class).deserialize(r.topic(), r.value());
      }
    }
  }

  /** Starts reading at the end: outcomes of earlier runs are not this run's. */
  private void awaitAssignment() {
    long deadline = System.currentTimeMillis() + 30_000;
    while (consumer.assignment().isEmpty() && System.currentTimeMillis() < deadline) consumer.poll(Duration.ofMillis(100));
    if (consumer.assignment().isEmpty()) throw new CliException("no partitions assigned within 30 s: are the service's topics there?");
    consumer.seekToEnd(consumer.assignment());
    consumer.assignment().forEach(consumer::position);
  }

  public Map<String, RecognitionResult> results() { return results; }

  public Map<String, DeadLetter> deadLetters() { return deadLetters; }

  public DatasetProgress progress() { return progress; }

  public Map<String, String> sendFailures() { return sendFailures; }

  private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }

  @Override
  public void close() {
    List<RuntimeException> errors = new ArrayList<>();
    try {
      producer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      errors.add(e);
    }
    consumer.close();
    if (!errors.isEmpty()) throw errors.get(0);
  }
}
