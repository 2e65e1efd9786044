package dev.addp.app.run;

import dev.addp.avro.CancelCommand;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.CommittedEnd;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.JobStates;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/** Submits generation jobs and follows them to their end, as a client of the topics. */
public final class GenerationClient implements AutoCloseable {
  /** Names this client's consumer groups ({@link ClientIds#clientGroup}) and its entry in {@code addp acls}. */
  public static final String CLIENT = "generate";

  /** Everything a finished job produced. */
  public record JobOutcome(String jobId, List<GenerationEvent> events, List<GenerationResult> results) {
    public GenerationEvent last() { return events.get(events.size() - 1); }
  }

  private final Topics topics;
  private final AvroSerdes serdes;
  private final KafkaProducer<byte[], byte[]> producer;
  private final KafkaConsumer<byte[], byte[]> consumer;

  public GenerationClient(AddpConfig config) {
    KafkaClients clients = new KafkaClients(config);
    this.topics = Topics.from(config);
    this.serdes = AvroSerdes.from(config);
    this.producer = clients.producer();
    this.consumer = clients.readCommittedConsumer(ClientIds.from(config).clientGroup(CLIENT));
    consumer.subscribe(List.of(topics.generationEvents(), topics.generationResults()));
    RecognitionRoundTrip.awaitAssignment(consumer);
  }

  public void submit(GenerationRequest request) { submitAll(List.of(request)); }

  /**
   * Sends the requests together (one flush), as a client with many jobs at once would, and returns
   * once the broker acknowledged every one.
   *
   * @throws KafkaException naming the first job the broker did not take (never a silent loss)
   */
  public void submitAll(List<GenerationRequest> requests) {
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (GenerationRequest request : requests) {
      sent.add(producer.send(new ProducerRecord<>(topics.generationRequests(), key(request.getJobId()),
          serdes.generationRequest().serialize(topics.generationRequests(), request))));
    }
    producer.flush();
    for (int i = 0; i < sent.size(); i++) {
      try {
        sent.get(i).get(); // done after flush: reports the send's outcome, never waits
      } catch (ExecutionException e) {
        throw new KafkaException("job " + requests.get(i).getJobId() + " was not submitted: " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KafkaException("interrupted while submitting job " + requests.get(i).getJobId(), e);
      }
    }
  }

  public void cancel(String jobId, String reason) {
    producer.send(cancelRecord(topics, serdes, jobId, reason));
    producer.flush();
  }

  /**
   * Sends one cancel command and waits for the broker's acknowledgement, without following any
   * topic: the `cancel` client needs write access to the control topic only.
   */
  public static void sendCancel(AddpConfig config, String jobId, String reason) throws Exception {
    try (KafkaProducer<byte[], byte[]> p = new KafkaClients(config).producer()) {
      p.send(cancelRecord(Topics.from(config), AvroSerdes.from(config), jobId, reason)).get();
    }
  }

  private static ProducerRecord<byte[], byte[]> cancelRecord(Topics topics, AvroSerdes serdes, String jobId, String reason) {
    return new ProducerRecord<>(topics.generationControl(), key(jobId),
        serdes.cancelCommand().serialize(topics.generationControl(), new CancelCommand(jobId, reason, System.currentTimeMillis())));
  }

  /**
   * Reads events and results until every job has a terminal event and, if it succeeded, all its
   * images; {@code onEvent} sees each event as it arrives.
   */
  public Map<String, JobOutcome> await(Collection<String> jobIds, Map<String, Integer> counts, Duration timeout, Consumer<GenerationEvent> onEvent) {
    Map<String, List<GenerationEvent>> events = new HashMap<>();
    Map<String, List<GenerationResult>> results = new HashMap<>();
    for (String id : jobIds) {
      events.put(id, new ArrayList<>());
      results.put(id, new ArrayList<>());
    }
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline && !jobIds.stream().allMatch(id -> complete(events.get(id), results.get(id), counts.get(id)))) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
        String id = new String(r.key(), StandardCharsets.UTF_8);
        if (events.containsKey(id)) add(r, events.get(id), results.get(id), onEvent);
      }
    }
    Map<String, JobOutcome> out = new HashMap<>();
    for (String id : jobIds) out.put(id, new JobOutcome(id, events.get(id), results.get(id)));
    return out;
  }

  /**
   * Reads events and results up to their current committed end and adds what arrives to the jobs'
   * outcomes (late duplicates committed by now among them); false if the end was not reached in time.
   */
  public boolean readToEnd(Map<String, JobOutcome> outcomes, Duration timeout) {
    return CommittedEnd.readToEnd(consumer, r -> {
      JobOutcome o = outcomes.get(new String(r.key(), StandardCharsets.UTF_8));
      if (o != null) add(r, o.events(), o.results(), e -> { });
    }, timeout);
  }

  /** Files one record of a job under its events or its results. */
  private void add(ConsumerRecord<byte[], byte[]> r, List<GenerationEvent> events, List<GenerationResult> results,
                   Consumer<GenerationEvent> onEvent) {
    if (r.topic().equals(topics.generationEvents())) {
      GenerationEvent e = serdes.generationEvent().deserialize(r.topic(), r.value());
      events.add(e);
      onEvent.accept(e);
    } else {
      results.add(serdes.generationResult().deserialize(r.topic(), r.value()));
    }
  }

  /** The PNG bytes of a generated image. */
  public static byte[] png(GenerationResult r) {
    byte[] png = new byte[r.getPng().remaining()];
    r.getPng().duplicate().get(png);
    return png;
  }

  private static boolean complete(List<GenerationEvent> events, List<GenerationResult> results, int count) {
    if (events.isEmpty()) return false;
    GenerationEvent last = events.get(events.size() - 1);
    if (!JobStates.isTerminal(last.getState())) return false;
    return last.getState() != dev.addp.avro.JobState.SUCCEEDED || results.size() >= count;
  }

  private static byte[] key(String jobId) { return jobId.getBytes(StandardCharsets.UTF_8); }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(5));
    consumer.close(Duration.ofSeconds(5));
  }
}
