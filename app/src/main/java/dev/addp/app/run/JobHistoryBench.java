package dev.addp.app.run;

import dev.addp.avro.GenerationEvent;
import dev.addp.avro.JobState;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.JobStates;
import dev.addp.workers.generation.jobs.JobHistory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What a generation worker pays on taking over request partitions, with many finished jobs in the
 * topics: the whole events topic read from the start (what the worker did up to this change) against
 * the job-state topic's assigned partitions ({@link JobHistory#load}).
 */
public final class JobHistoryBench {
  private final AddpConfig config;
  private final Topics topics;
  private final AvroSerdes serdes;

  public JobHistoryBench(AddpConfig config) {
    this.config = config;
    this.topics = Topics.from(config);
    this.serdes = AvroSerdes.from(config);
  }

  /** Writes {@code jobs} finished jobs as a worker would: QUEUED, {@code progressEvents} RUNNING and SUCCEEDED events, and their state records. */
  public void fill(int jobs, int progressEvents, int partitions) {
    try (KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer()) {
      for (int j = 0; j < jobs; j++) {
        String id = "job-" + j;
        byte[] key = id.getBytes(StandardCharsets.UTF_8);
        int partition = j % partitions;
        GenerationEvent queued = event(id, JobState.QUEUED, 0);
        GenerationEvent done = event(id, JobState.SUCCEEDED, progressEvents);
        send(producer, topics.generationEvents(), partition, key, queued);
        for (int s = 0; s < progressEvents; s++) send(producer, topics.generationEvents(), partition, key, event(id, JobState.RUNNING, s));
        send(producer, topics.generationEvents(), partition, key, done);
        send(producer, topics.generationJobs(), partition, key, queued);
        send(producer, topics.generationJobs(), partition, key, done);
      }
      producer.flush();
    }
  }

  /** Seconds to read the whole events topic from the start, read_committed, decoding every event (the former JobHistory.refresh). */
  public Map<String, Object> readWholeEventsTopic() throws Exception {
    long t0 = System.nanoTime();
    Map<String, Boolean> ended = new HashMap<>();
    long records = 0;
    KafkaClients clients = new KafkaClients(config);
    try (KafkaConsumer<byte[], byte[]> consumer = clients.readCommittedConsumer("bench-history-" + UUID.randomUUID());
         Admin admin = clients.admin()) {
      String topic = topics.generationEvents();
      List<TopicPartition> parts = consumer.partitionsFor(topic).stream().map(p -> new TopicPartition(topic, p.partition())).toList();
      Map<TopicPartition, Long> hw = admin.listOffsets(parts.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
          .all().get().entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      while (parts.stream().anyMatch(p -> consumer.position(p) < hw.get(p))) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          GenerationEvent e = serdes.generationEvent().deserialize(r.topic(), r.value());
          ended.merge(e.getJobId(), JobStates.isTerminal(e.getState()), Boolean::logicalOr);
          records++;
        }
      }
    }
    return figures(t0, records, ended.values().stream().filter(b -> b).count());
  }

  /** Seconds for {@link JobHistory#load} of these request partitions, and whether it knows every job of them ended. */
  public Map<String, Object> loadJobHistory(List<Integer> requestPartitions, int jobs, int partitions) {
    JobHistory history = new JobHistory(new KafkaClients(config), serdes);
    long t0 = System.nanoTime();
    history.load(requestPartitions.stream().map(p -> new TopicPartition(topics.generationRequests(), p)).toList(), Duration.ofMinutes(10));
    Map<String, Object> f = figures(t0, -1, IntStream.range(0, jobs).filter(j -> requestPartitions.contains(j % partitions))
        .filter(j -> history.isTerminal("job-" + j)).count());
    f.remove("records");
    return f;
  }

  private static Map<String, Object> figures(long t0, long records, long endedJobs) {
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("seconds", (System.nanoTime() - t0) / 1e9);
    f.put("records", records);
    f.put("ended_jobs_known", endedJobs);
    return f;
  }

  private GenerationEvent event(String id, JobState state, int step) {
    return GenerationEvent.newBuilder().setJobId(id).setState(state).setStep(step).setTotalSteps(step).setCount(4).setAttempt(1)
        .setWorkerId("bench").setTimestampMs(System.currentTimeMillis()).build();
  }

  private void send(KafkaProducer<byte[], byte[]> producer, String topic, int partition, byte[] key, GenerationEvent e) {
    producer.send(new ProducerRecord<>(topic, partition, key, serdes.generationEvent().serialize(topic, e)));
  }
}
