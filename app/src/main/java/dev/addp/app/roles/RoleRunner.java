package dev.addp.app.roles;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.processors.ingest.IngestTopology;
import dev.addp.processors.status.JobStatusServer;
import dev.addp.processors.status.JobStatusTopology;
import dev.addp.processors.streams.StreamsRunner;
import dev.addp.workers.generation.jobs.GenerationService;
import dev.addp.workers.recognition.RecognitionService;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Starts roles against the configured Kafka and registry; closing stops them in reverse order. */
public final class RoleRunner implements AutoCloseable {
  private final List<AutoCloseable> running = new ArrayList<>();
  private final java.util.Map<Role, java.util.function.BooleanSupplier> health = new java.util.EnumMap<>(Role.class);
  private final java.util.Map<Role, java.util.function.Supplier<String>> reasons = new java.util.EnumMap<>(Role.class);
  private final List<StreamsRunner> streams = new ArrayList<>();
  private RecognitionService recognition;
  private GenerationService generation;
  private JobStatusServer status;

  public static RoleRunner start(Collection<Role> roles, AddpConfig config) throws Exception {
    RoleRunner runner = new RoleRunner();
    try {
      for (Role role : roles) runner.startOne(role, config);
      return runner;
    } catch (Exception e) {
      runner.close();
      throw e;
    }
  }

  private void startOne(Role role, AddpConfig config) throws Exception {
    KafkaClients clients = new KafkaClients(config);
    switch (role) {
      case INGEST -> {
        StreamsRunner ingest = new StreamsRunner(IngestTopology.build(config, AvroSerdes.from(config)),
            clients.streams(IngestTopology.applicationId(config))).start();
        streams.add(ingest);
        running.add(ingest);
        health.put(role, ingest::isRunning);
      }
      case RECOGNITION -> {
        recognition = RecognitionService.start(config);
        running.add(recognition);
        health.put(role, recognition::isAlive);
        reasons.put(role, recognition::failure);
      }
      case GENERATION -> {
        generation = GenerationService.start(config);
        running.add(generation);
        health.put(role, generation::isAlive);
        reasons.put(role, generation::failure);
      }
      case CONNECT -> running.add(InProcessConnect.start(config));
      case STATUS -> {
        StreamsRunner table = new StreamsRunner(JobStatusTopology.build(config, AvroSerdes.from(config)),
            clients.streams(JobStatusTopology.applicationId(config))).start();
        streams.add(table);
        running.add(table);
        health.put(role, table::isRunning);
        status = new JobStatusServer(table.streams(), config.get("status.http.host", "127.0.0.1"),
            config.getInt("status.http.port", 8088));
        running.add(status);
      }
    }
  }

  /** Roles whose worker thread or stream threads have died (an orchestrator should restart the process). */
  public List<Role> failed() {
    return health.entrySet().stream().filter(e -> !e.getValue().getAsBoolean()).map(java.util.Map.Entry::getKey).toList();
  }

  /** Why a failed role stopped, in one line (its fatal error), or a generic line when it did not say. */
  public String reason(Role role) {
    java.util.function.Supplier<String> r = reasons.get(role);
    String why = r == null ? null : r.get();
    return why == null ? "its threads stopped (see the log above)" : why;
  }

  /** Waits until every started role is consuming (used before timing anything). */
  public void awaitReady(java.time.Duration timeout) throws InterruptedException {
    for (StreamsRunner s : streams) s.awaitRunning(timeout);
    if (recognition != null) recognition.awaitReady(timeout);
    if (generation != null) generation.awaitReady(timeout);
  }

  /** The generation worker, when this runner started one. */
  public GenerationService generation() { return generation; }

  /** The job-status HTTP server, when this runner started one. */
  public JobStatusServer status() { return status; }

  /** The recognition worker, when this runner started one. */
  public RecognitionService recognition() { return recognition; }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (int i = running.size() - 1; i >= 0; i--) {
      try {
        running.get(i).close();
      } catch (Exception e) {
        if (first == null) first = e;
      }
    }
    running.clear();
    if (first != null) throw first;
  }
}
