package dev.addp.app.roles;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.ServiceSubjects;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.metrics.ConsumerGroupLag;
import dev.addp.platform.metrics.HealthChecks;
import dev.addp.platform.metrics.Metrics;
import dev.addp.platform.metrics.MetricsServer;
import dev.addp.platform.metrics.RegistryReachable;
import dev.addp.processors.console.Console;
import dev.addp.processors.ingest.IngestTopology;
import dev.addp.processors.metrics.IngestMetrics;
import dev.addp.processors.status.JobStatusServer;
import dev.addp.processors.status.JobStatusTopology;
import dev.addp.processors.streams.DeadLetterOnUnreadable;
import dev.addp.processors.streams.StreamsRunner;
import dev.addp.workers.generation.jobs.GenerationService;
import dev.addp.workers.lifecycle.WorkerService;
import dev.addp.workers.recognition.RecognitionService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.state.HostInfo;

/**
 * Starts roles against the configured Kafka and registry; closing stops them in reverse order.
 * Every process gets one operations port ({@link MetricsServer}: {@code /metrics}, {@code /health},
 * {@code /ready}) that all its roles report to.
 */
public final class RoleRunner implements AutoCloseable {
  private final List<AutoCloseable> running = new ArrayList<>();
  private final Map<ProcessRole, BooleanSupplier> health = new EnumMap<>(ProcessRole.class);
  private final Map<ProcessRole, java.util.function.Supplier<String>> reasons = new EnumMap<>(ProcessRole.class);
  private final List<StreamsRunner> streams = new ArrayList<>();
  private final Metrics metrics;
  private final HealthChecks checks = new HealthChecks();
  private final ConsumerGroupLag lag;
  private final MetricsServer server;
  private RecognitionService recognition;
  private GenerationService generation;
  private JobStatusServer status;

  private RoleRunner(AddpConfig config) throws Exception {
    this.metrics = Metrics.from(config);
    running.add(metrics);
    KafkaClients plain = new KafkaClients(config);
    this.lag = new ConsumerGroupLag(metrics, plain::admin, () -> plain.groupFreeReader("lag-peek"));
    running.add(lag);
    this.server = new MetricsServer(metrics, checks, config.get(Settings.METRICS_HTTP_HOST),
        config.getInt(Settings.METRICS_HTTP_PORT));
    running.add(server);
    checks.ready("registry", new RegistryReachable(config));
  }

  public static RoleRunner start(Collection<ProcessRole> roles, AddpConfig config) throws Exception {
    RoleRunner runner = new RoleRunner(config);
    try {
      if (config.getBoolean(Settings.REGISTRY_AUTO_REGISTER)) {
        ServiceSubjects.registerAll(AvroSerdes.from(config).registry(), Topics.from(config));
      }
      for (ProcessRole role : roles) runner.startOne(role, config);
      runner.lag.start(Duration.ofMillis(config.getLong(Settings.METRICS_LAG_INTERVAL_MS)));
      return runner;
    } catch (Exception e) {
      runner.close();
      throw e;
    }
  }

  private void startOne(ProcessRole role, AddpConfig config) throws Exception {
    KafkaClients clients = new KafkaClients(config, metrics);
    Topics topics = Topics.from(config);
    String name = role.name().toLowerCase(java.util.Locale.ROOT);
    switch (role) {
      case INGEST -> {
        StreamsRunner ingest = streams(IngestTopology.build(config, AvroSerdes.from(config), new IngestMetrics(metrics.registry())), clients,
            IngestTopology.applicationId(config), name);
        lag.watch(IngestTopology.applicationId(config));
        health.put(role, ingest::isLive);
      }
      case RECOGNITION -> watch(role, recognition = RecognitionService.start(config, metrics), ServiceGroups.recognition(topics));
      case GENERATION -> watch(role, generation = GenerationService.start(config, metrics), ServiceGroups.generation(topics));
      case CONNECT -> running.add(InProcessConnect.start(config));
      case STATUS -> {
        status = new JobStatusServer(config.get(Settings.STATUS_HTTP_HOST), config.getInt(Settings.STATUS_HTTP_PORT));
        running.add(status);
        HostInfo self = status.advertised(config.get(Settings.STATUS_ADVERTISED_HOST));
        Map<String, Object> settings = clients.streams(JobStatusTopology.applicationId(config));
        // every instance says where it answers, so the others can forward a key's query to it; a
        // standby copy of each partition on another instance answers while the owner is gone
        settings.put(StreamsConfig.APPLICATION_SERVER_CONFIG, self.host() + ":" + self.port());
        settings.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, config.getInt(Settings.STATUS_STANDBY_REPLICAS));
        StreamsRunner table = streams(JobStatusTopology.build(config, AvroSerdes.from(config)), settings, clients, name);
        health.put(role, table::isLive);
        status.serve(table.streams(), self);
        // the operator's view: the status process watches every group of the service
        ServiceGroups.all(config).forEach(lag::watch);
        running.add(new Console(clients, AvroSerdes.from(config), lag).mount(status));
      }
    }
    BooleanSupplier alive = health.get(role);
    if (alive != null) checks.live(name, alive);
  }

  /** A started worker: closed with the runner, its liveness, readiness, failure and its group's lag watched. */
  private void watch(ProcessRole role, WorkerService worker, String group) {
    running.add(worker);
    health.put(role, worker::isAlive);
    checks.ready(role.name().toLowerCase(java.util.Locale.ROOT) + " partitions assigned, model loaded", worker::isReady);
    lag.watch(group);
    reasons.put(role, worker::failure);
  }

  private StreamsRunner streams(org.apache.kafka.streams.Topology topology, KafkaClients clients, String applicationId, String name) {
    return streams(topology, clients.streams(applicationId), clients, name);
  }

  private StreamsRunner streams(org.apache.kafka.streams.Topology topology, Map<String, Object> settings, KafkaClients clients, String name) {
    settings.putAll(DeadLetterOnUnreadable.settings(clients.config(), String.valueOf(settings.get(StreamsConfig.APPLICATION_ID_CONFIG)),
        AvroSerdes.from(clients.config()), metrics.registry()));
    StreamsRunner s = new StreamsRunner(topology, settings);
    metrics.bind(s.streams());
    s.start();
    streams.add(s);
    running.add(s);
    checks.ready(name + " streams running", () -> s.streams().state() == org.apache.kafka.streams.KafkaStreams.State.RUNNING);
    return s;
  }

  /** Roles whose worker thread or stream threads have died (an orchestrator should restart the process). */
  public List<ProcessRole> failed() {
    return health.entrySet().stream().filter(e -> !e.getValue().getAsBoolean()).map(Map.Entry::getKey).toList();
  }

  /** Why a failed role stopped, in one line (its fatal error), or a generic line when it did not say. */
  public String reason(ProcessRole role) {
    java.util.function.Supplier<String> r = reasons.get(role);
    String why = r == null ? null : r.get();
    return why == null ? "its threads stopped (see the log above)" : why;
  }

  /** Waits until every started role is consuming (used before timing anything). */
  public void awaitReady(Duration timeout) throws InterruptedException {
    for (StreamsRunner s : streams) s.awaitRunning(timeout);
    if (recognition != null) recognition.awaitReady(timeout);
    if (generation != null) generation.awaitReady(timeout);
  }

  /** The generation worker, when this runner started one. */
  public GenerationService generation() { return generation; }

  /** The job-status HTTP server (and console), when this runner started one. */
  public JobStatusServer status() { return status; }

  /** The recognition worker, when this runner started one. */
  public RecognitionService recognition() { return recognition; }

  /** The process's metrics (every role records into them). */
  public Metrics metrics() { return metrics; }

  /** The consumer-lag monitor of the groups this process runs (all of them with the status role). */
  public ConsumerGroupLag lag() { return lag; }

  /** The operations port: /metrics, /health, /ready. */
  public MetricsServer operations() { return server; }

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
