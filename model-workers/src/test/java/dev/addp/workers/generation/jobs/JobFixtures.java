package dev.addp.workers.generation.jobs;

import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.ModelRef;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.testkit.InMemoryRegistry;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.metrics.GenerationMetrics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What the generation worker's parts are built from in their unit tests: the real serdes on an
 * in-memory registry, the default topics, and request records as a producer writes them.
 */
final class JobFixtures implements AutoCloseable {
  final InMemoryRegistry registry;
  final AddpConfig config;
  final AvroSerdes serdes;
  final Topics topics;
  final TopicPartition p0;
  final TopicPartition p1;

  JobFixtures() throws Exception {
    registry = new InMemoryRegistry();
    config = AddpConfig.of(Map.of(AddpConfig.REGISTRY_URL, registry.url(), AddpConfig.BOOTSTRAP_SERVERS, "127.0.0.1:9"));
    serdes = AvroSerdes.from(config);
    topics = Topics.from(config);
    p0 = new TopicPartition(topics.generationRequests(), 0);
    p1 = new TopicPartition(topics.generationRequests(), 1);
  }

  JobRecords records(GenerationModel model) {
    return new JobRecords(topics, serdes, model.lineage(), model.imageShape(), "w1");
  }

  /** The events, results and dead-letter topics' records, on a model that is never run. */
  JobRecords records() {
    return new JobRecords(topics, serdes, new ModelRef("m", "1", "0"), new int[] {1, 2, 2}, "w1");
  }

  GenerationMetrics metrics() { return GenerationMetrics.none(new ModelRef("m", "1", "0"), 8); }

  JobHistory history() { return new JobHistory(new KafkaClients(config), serdes); }

  static GenerationRequest.Builder request(String jobId, int count, int steps) {
    return GenerationRequest.newBuilder().setJobId(jobId).setCount(count).setSteps(steps).setSeed(7);
  }

  /** A request record at {@code tp}@{@code offset}, serialized as a client writes it. */
  ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset, GenerationRequest request) {
    return new ConsumerRecord<>(tp.topic(), tp.partition(), offset, JobRecords.key(request.getJobId()),
        serdes.generationRequest().serialize(tp.topic(), request));
  }

  /** The generation events among {@code records}, in order. */
  List<GenerationEvent> events(List<ProducerRecord<byte[], byte[]>> records) {
    return records.stream().filter(r -> r.topic().equals(topics.generationEvents()))
        .map(r -> serdes.generationEvent().deserialize(r.topic(), r.value())).toList();
  }

  /** The job-state records among {@code records}, as "jobId STATE @partition". */
  List<String> states(List<ProducerRecord<byte[], byte[]>> records) {
    return records.stream().filter(r -> r.topic().equals(topics.generationJobs()))
        .map(r -> {
          GenerationEvent e = serdes.generationEvent().deserialize(r.topic(), r.value());
          return e.getJobId() + " " + e.getState() + " @" + r.partition();
        }).toList();
  }

  @Override
  public void close() { registry.close(); }
}
