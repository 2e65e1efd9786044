package dev.addp.platform.kafka;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Names of the service's topics (one prefix for all of them) and their creation.
 *
 * <p>{@code routedModels} ({@value #ROUTED_MODELS}): models served by their own recognition
 * workers. The ingest stage sends a request naming one of them to that model's requests topic;
 * every other request goes to the shared one, whose workers serve the default model.
 */
public record Topics(String prefix, List<String> routedModels, int maxRecordBytes) {
  /** Records larger than this are refused by the topics (and clients are configured to match). */
  public static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
  /** Room a record batch needs beside one record's key and value (headers, batch and record framing). */
  static final int RECORD_OVERHEAD_BYTES = 4096;

  /** Whether a record with this key and value fits the topics' record limit. */
  public static boolean fitsInRecord(byte[] key, byte[] value) { return fits(key, value, MAX_MESSAGE_BYTES); }

  /** Whether a record with this key and value fits the service's record limit ({@code record.max.bytes}, the producers'). */
  public boolean fits(byte[] key, byte[] value) { return fits(key, value, maxRecordBytes); }

  private static boolean fits(byte[] key, byte[] value, int limit) {
    long size = (long) (key == null ? 0 : key.length) + (value == null ? 0 : value.length) + RECORD_OVERHEAD_BYTES;
    return size <= limit;
  }
  public static final String ROUTED_MODELS = Settings.RECOGNITION_ROUTED_MODELS.key();

  public Topics(String prefix) { this(prefix, List.of()); }

  public Topics(String prefix, List<String> routedModels) { this(prefix, routedModels, MAX_MESSAGE_BYTES); }

  public Topics {
    routedModels = List.copyOf(routedModels);
    if (maxRecordBytes > MAX_MESSAGE_BYTES) throw new IllegalArgumentException("records are at most " + MAX_MESSAGE_BYTES + " bytes");
  }

  public static Topics from(AddpConfig config) {
    List<String> routed = java.util.Arrays.stream(config.get(Settings.RECOGNITION_ROUTED_MODELS).split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).toList();
    return new Topics(config.get(Settings.TOPIC_PREFIX), routed, config.getInt(Settings.RECORD_MAX_BYTES));
  }

  /** Where requests for {@code model} (null = the default model) go: its own topic if routed, else the shared one. */
  public String recognitionRequestsFor(String model) {
    return model != null && routedModels.contains(model) ? prefix + "recognition.requests." + model : recognitionRequests();
  }

  /** Raw image requests from clients and connectors. */
  public String imagesRaw() { return prefix + "images.raw"; }
  /** Validated image requests, ready for the recognition workers. */
  public String recognitionRequests() { return prefix + "recognition.requests"; }
  public String recognitionResults() { return prefix + "recognition.results"; }
  public String deadLetters() { return prefix + "deadletter"; }
  public String generationRequests() { return prefix + "generation.requests"; }
  /** Compacted: every job's events in order, in the long run its latest state. */
  public String generationEvents() { return prefix + "generation.events"; }
  public String generationResults() { return prefix + "generation.results"; }
  /**
   * Compacted: each job's latest state (QUEUED with its attempt, or how it ended), on the same
   * partition number as its request, so a worker taking over request partitions reads only those.
   */
  public String generationJobs() { return prefix + "generation.jobs"; }
  /** Compacted, like the events topic: the latest cancel command per job id. */
  public String generationControl() { return prefix + "generation.control"; }
  /** Compacted: each dataset's latest manifest (what the client is sending), keyed by dataset id. */
  public String datasets() { return prefix + "datasets"; }
  /** Compacted: each dataset's progress on every change, keyed by dataset id. */
  public String datasetProgress() { return prefix + "dataset.progress"; }
  /** One record per dataset, when every image of its manifest is accounted for. */
  public String datasetCompletions() { return prefix + "dataset.completions"; }

  public List<String> all() {
    List<String> all = new ArrayList<>(List.of(imagesRaw(), recognitionRequests(), recognitionResults(), deadLetters(),
        generationRequests(), generationEvents(), generationResults(), generationControl(), generationJobs(), datasets(),
        datasetProgress(), datasetCompletions()));
    for (String model : routedModels) all.add(recognitionRequestsFor(model));
    return List.copyOf(all);
  }

  /**
   * Creates every topic that does not exist yet, {@code replicationFactor} copies and the broker's
   * default {@code min.insync.replicas}; existing topics are left as they are.
   */
  public void createAll(Admin admin, int partitions, short replicationFactor) {
    create(admin, partitions, replicationFactor, Map.of());
  }

  /** Creates every topic that does not exist yet, replicated as {@code replication} says; existing topics are left as they are. */
  public void createAll(Admin admin, int partitions, TopicReplication replication) {
    create(admin, partitions, replication.factor(), replication.topicConfigs());
  }

  private void create(Admin admin, int partitions, short replicationFactor, Map<String, String> common) {
    List<NewTopic> topics = new ArrayList<>();
    for (String name : all()) {
      NewTopic t = new NewTopic(name, partitions, replicationFactor);
      Map<String, String> configs = new java.util.HashMap<>(common);
      configs.put("max.message.bytes", String.valueOf(MAX_MESSAGE_BYTES));
      if (name.equals(generationJobs())) {
        // cleaned eagerly: its readers want one record per job, not the history of each
        configs.putAll(Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1", "segment.bytes", String.valueOf(8 * 1024 * 1024)));
      } else if (name.equals(generationControl()) || name.equals(generationEvents()) || name.equals(datasets())
          || name.equals(datasetProgress())) {
        configs.put("cleanup.policy", "compact");
      }
      t.configs(configs);
      topics.add(t);
    }
    admin.createTopics(topics).values().forEach((name, future) -> {
      try {
        future.get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) {
          throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted creating topics", e);
      }
    });
    awaitLeaders(admin);
  }

  /**
   * Waits until every partition has a leader in the metadata the brokers serve: a KRaft create
   * returns once the controller has committed it, and a producer racing the brokers' metadata gets
   * retriable errors on its first batches (which, with idempotence, can stall it: KAFKA-14359).
   */
  private void awaitLeaders(Admin admin) {
    long deadline = System.currentTimeMillis() + 30_000;
    while (true) {
      try {
        boolean ready = admin.describeTopics(all()).allTopicNames().get().values().stream()
            .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
        if (ready) return;
      } catch (ExecutionException e) {
        if (System.currentTimeMillis() > deadline) {
          throw new IllegalStateException("topics not ready: " + e.getCause().getMessage(), e.getCause());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for topic leaders", e);
      }
      if (System.currentTimeMillis() > deadline) throw new IllegalStateException("topic partitions have no leader after 30 s");
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted waiting for topic leaders", e);
      }
    }
  }
}
