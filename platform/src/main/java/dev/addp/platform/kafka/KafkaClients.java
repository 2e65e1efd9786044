package dev.addp.platform.kafka;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.metrics.Metrics;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Kafka client settings shared by every role. Consumers read only committed data and never
 * auto-commit; producers that write results are transactional, so offsets are committed only with
 * the results they produced.
 */
public final class KafkaClients {
  /** Where Kafka Streams keeps local state; default {@code <java.io.tmpdir>/addp-streams/<cluster id>}. */
  public static final String STREAMS_STATE_DIR = Settings.STREAMS_STATE_DIR.key();

  private final AddpConfig config;
  private final Metrics metrics;

  public KafkaClients(AddpConfig config) { this(config, null); }

  /** Clients whose own metrics are bound into {@code metrics} (the roles' clients; tools pass none). */
  public KafkaClients(AddpConfig config, Metrics metrics) {
    this.config = config;
    this.metrics = metrics;
  }

  /** The metrics the roles' clients report to, or null. */
  public Metrics metrics() { return metrics; }

  public AddpConfig config() { return config; }

  public Map<String, Object> common() {
    Map<String, Object> p = new HashMap<>(config.kafkaPassThrough());
    p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.require(Settings.BOOTSTRAP_SERVERS));
    return p;
  }

  public Admin admin() { return Admin.create(common()); }

  /** Exactly-once input: read_committed, manual offsets (committed through the producer's transaction). */
  public KafkaConsumer<byte[], byte[]> transactionalInputConsumer(String groupId, String clientId, int maxPollRecords) {
    Map<String, Object> p = common();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, maxPollRecords);
    // Incremental rebalancing: a worker joining or leaving moves only the partitions that change owner,
    // so the other workers keep their in-flight batches and generation jobs.
    p.putIfAbsent(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES);
    p.putIfAbsent(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 300_000);
    // A worker that dies hands its partitions on after this long (the default 45 s is long for a batch job).
    p.putIfAbsent(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 10_000);
    p.putIfAbsent(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 2_000);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return bound(new KafkaConsumer<>(p));
  }

  /** A plain read_committed consumer for tools and tests (auto-commit off, from the earliest offset). */
  public KafkaConsumer<byte[], byte[]> readCommittedConsumer(String groupId) {
    Map<String, Object> p = readCommitted();
    p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
    return new KafkaConsumer<>(p);
  }

  /**
   * A read_committed consumer in no consumer group, for readers that assign partitions and seek
   * themselves and never commit: on a secured cluster it needs read access to its topics only, no
   * group ACL.
   */
  public KafkaConsumer<byte[], byte[]> groupFreeReader(String clientId) {
    Map<String, Object> p = readCommitted();
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    return new KafkaConsumer<>(p);
  }

  /** Settings of a read_committed byte consumer that never commits and starts from the earliest offset. */
  private Map<String, Object> readCommitted() {
    Map<String, Object> p = common();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Topics.MAX_MESSAGE_BYTES);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    return p;
  }

  /**
   * A transactional producer. A restarted worker with the same transactional id fences its
   * predecessor and aborts whatever transaction the predecessor left open.
   */
  public KafkaProducer<byte[], byte[]> transactionalProducer(String transactionalId) {
    Map<String, Object> p = producerBase();
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    // An abandoned transaction blocks read_committed readers until it times out; keep that short. Workers
    // open a transaction only to write finished work, never across a model run, so 10 s is ample.
    p.putIfAbsent(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 10_000);
    return bound(new KafkaProducer<>(p));
  }

  /**
   * An idempotent producer for clients (submit, demo) that only append requests. One request in
   * flight per connection: with several, a retried first batch can be overtaken by a later one and
   * then be refused with OutOfOrderSequence until its delivery timeout, losing it (KAFKA-14359).
   */
  public KafkaProducer<byte[], byte[]> producer() {
    Map<String, Object> p = producerBase();
    p.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    return bound(new KafkaProducer<>(p));
  }

  private <K, V> KafkaConsumer<K, V> bound(KafkaConsumer<K, V> c) {
    if (metrics != null) metrics.bind(c);
    return c;
  }

  private <K, V> KafkaProducer<K, V> bound(KafkaProducer<K, V> p) {
    if (metrics != null) metrics.bind(p);
    return p;
  }

  private Map<String, Object> producerBase() {
    Map<String, Object> p = common();
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Topics.from(config).maxRecordBytes());
    p.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
    return p;
  }

  /** Kafka Streams settings with exactly-once v2. */
  public Map<String, Object> streams(String applicationId) {
    Map<String, Object> p = common();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.putIfAbsent(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    p.put(StreamsConfig.producerPrefix(ProducerConfig.MAX_REQUEST_SIZE_CONFIG), Topics.from(config).maxRecordBytes());
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG), Topics.MAX_MESSAGE_BYTES);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // as for the workers: an instance that dies hands its tasks on after 10 s, not the default 45 s
    p.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
    p.putIfAbsent(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 2_000);
    p.putIfAbsent(StreamsConfig.STATE_DIR_CONFIG, config.get(Settings.STREAMS_STATE_DIR, defaultStateDir().toString()));
    if (config.get(Settings.TOPIC_REPLICATION, null) != null) {
      // changelog and repartition topics replicated like the service's own (else the broker's default.replication.factor)
      TopicReplication replication = TopicReplication.from(config);
      p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, (int) replication.factor());
      p.put(StreamsConfig.topicPrefix("min.insync.replicas"), String.valueOf(replication.minInsyncReplicas()));
    }
    return p;
  }

  /**
   * Local state lives under the cluster's id: Kafka Streams' default directory is shared by every
   * cluster an application id ever ran against, and a checkpoint written against another cluster
   * (every embedded run is a new cluster) points past the end of this cluster's changelog, which
   * Streams reports as a corrupted task (TaskCorruptedException) and restores from scratch.
   */
  private java.nio.file.Path defaultStateDir() {
    try (Admin admin = admin()) {
      String clusterId = admin.describeCluster().clusterId().get(30, java.util.concurrent.TimeUnit.SECONDS);
      return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "addp-streams", clusterId);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot reach the Kafka cluster at " + config.require(Settings.BOOTSTRAP_SERVERS) + " to learn its id: "
          + (e.getCause() == null ? e : e.getCause()).getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking the cluster for its id", e);
    }
  }
}
