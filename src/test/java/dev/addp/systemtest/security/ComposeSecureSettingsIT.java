package dev.addp.systemtest.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.app.cli.AddpCli;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.embedded.EmbeddedSchemaRegistry;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.TopicReplication;
import dev.addp.platform.kafka.Topics;
import dev.addp.systemtest.support.ComposeFiles;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestRegistry;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * docker-compose.secure.yml's security settings on a real broker, where there is no Docker engine:
 * the brokers' environment (docker-compose.yml's with the secure file's over it) turned into server
 * properties the way the apache/kafka image does ({@code KAFKA_FOO_BAR} → {@code foo.bar},
 * {@code ___} → {@code -}), on one KRaft node with the certificate {@code config/secure/make-tls.sh}
 * makes; the brokers' health check with its login file; kafka-access's two commands, from its
 * entrypoint, with its environment; then the ingest and connect roles with theirs. Only what one
 * local node needs instead of three containers is changed: host names, ports, file places and
 * replication. `docker-compose config` checks the rest of the files (.ci/compose-check.sh).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComposeSecureSettingsIT {
  private static final Path BASE = Path.of("docker-compose.yml");
  private static final Path SECURE = Path.of("docker-compose.secure.yml");
  /** How the apache/kafka image names a property from a variable; these variables are not properties. */
  private static final Set<String> NOT_PROPERTIES = Set.of("KAFKA_VERSION", "KAFKA_HEAP_OPT", "KAFKA_LOG4J_OPTS", "KAFKA_OPTS",
      "KAFKA_JMX_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_GC_LOG_OPTS", "KAFKA_LOG4J_ROOT_LOGLEVEL", "KAFKA_LOG4J_LOGGERS",
      "KAFKA_TOOLS_LOG4J_LOGLEVEL", "KAFKA_JMX_HOSTNAME");
  private static final Set<String> REPLICATION = Set.of("default.replication.factor", "min.insync.replicas",
      "offsets.topic.replication.factor", "transaction.state.log.replication.factor", "transaction.state.log.min.isr",
      "share.coordinator.state.topic.replication.factor", "share.coordinator.state.topic.min.isr");
  private static final Pattern COMPOSE_BOOTSTRAP = Pattern.compile("kafka-1:(\\d+)(,kafka-\\d:\\d+)*");

  @TempDir static Path tmp;
  private final Map<String, String> secrets = new HashMap<>();
  private final Map<Integer, Integer> ports = new HashMap<>();
  private ComposeFiles compose;
  private Path secretsDir;
  private Path publicDir;
  private KafkaRaftServer broker;
  private EmbeddedSchemaRegistry registry;
  private final List<RoleRunner> roles = new ArrayList<>();

  @BeforeAll
  void startTheBrokerAsTheComposeFilesConfigureIt() throws Exception {
    for (String v : List.of("KAFKA_ADMIN_PASSWORD", "KAFKA_TLS_STORE_PASSWORD", "ADDP_USERS_PASSWORD_INGEST",
        "ADDP_USERS_PASSWORD_RECOGNITION", "ADDP_USERS_PASSWORD_GENERATION", "ADDP_USERS_PASSWORD_STATUS", "ADDP_USERS_PASSWORD_CONNECT")) {
      secrets.put(v, UUID.randomUUID().toString().replace("-", ""));
    }
    compose = new ComposeFiles(secrets, BASE, SECURE);
    for (int port : List.of(9092, 9093, 9094)) ports.put(port, freePort());
    secretsDir = Files.createDirectories(tmp.resolve("kafka-secrets"));
    publicDir = Files.createDirectories(tmp.resolve("kafka-ca"));

    // kafka-tls: its script and environment
    ProcessBuilder tls = new ProcessBuilder("sh", "config/secure/make-tls.sh").redirectErrorStream(true)
        .redirectOutput(tmp.resolve("make-tls.log").toFile());
    tls.environment().putAll(compose.environment("kafka-tls"));
    tls.environment().put("TLS_SECRETS_DIR", secretsDir.toString());
    tls.environment().put("TLS_PUBLIC_DIR", publicDir.toString());
    tls.environment().put("TLS_FILES_OWNER", System.getProperty("user.name"));
    tls.environment().put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
    Process p = tls.start();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(tmp.resolve("make-tls.log"))).isZero();

    // kafka-1, alone: its environment as the image turns it into server.properties
    Properties server = new Properties();
    Map<String, String> env = compose.environment("kafka-1");
    env.forEach((k, v) -> {
      if (k.startsWith("KAFKA_") && !NOT_PROPERTIES.contains(k)) server.put(propertyName(k), local(v));
    });
    server.put("listeners", server.getProperty("listeners").replace("://:", "://127.0.0.1:"));
    server.put("controller.quorum.voters", "1@localhost:" + ports.get(9093));
    REPLICATION.forEach(k -> server.put(k, "1"));
    Files.createDirectories(tmp.resolve("data"));
    Path logDir = Files.createDirectories(tmp.resolve("kafka-1"));
    server.put("log.dirs", logDir.toString());
    new Formatter().setPrintStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()))
        .setNodeId(1).setClusterId(env.get("CLUSTER_ID")).setDirectories(List.of(logDir.toString()))
        .setMetadataLogDirectory(logDir.toString()).setControllerListenerName(server.getProperty("controller.listener.names"))
        .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION).setSupportedFeatures(Feature.PRODUCTION_FEATURES).run();
    broker = new KafkaRaftServer(KafkaConfig.fromProps(server, false), Time.SYSTEM);
    broker.startup();
    registry = EmbeddedSchemaRegistry.start(TestRegistry.distribution());
  }

  @AfterAll
  void stop() throws Exception {
    for (RoleRunner r : roles) r.close();
    if (registry != null) registry.close();
    if (broker != null) {
      broker.shutdown();
      broker.awaitShutdown();
    }
  }

  @Test
  void theInitJobMakesTheUsersAndAclsAndEveryRoleRunsWithItsOwnLogin() throws Exception {
    // the brokers' health check: the admin's login file, on the internal listener
    Properties admin = new Properties();
    try (Reader r = Files.newBufferedReader(secretsDir.resolve("admin.properties"))) {
      admin.load(r);
    }
    admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + ports.get(9094));
    try (Admin a = Admin.create(admin)) {
      assertThat(a.listTopics().names().get(60, TimeUnit.SECONDS)).isNotNull();
    }

    // kafka-access: each command of its entrypoint, with its environment
    List<String> entrypoint = compose.entrypoint("kafka-access");
    assertThat(entrypoint.subList(0, 2)).containsExactly("sh", "-c");
    Path accessConfig = write("kafka-access.properties", config("kafka-access"));
    for (String command : entrypoint.get(2).split("&&")) {
      String[] words = command.trim().split("\\s+");
      assertThat(List.of(words).subList(0, 3)).containsExactly("java", "-jar", "app/target/addp-app.jar");
      List<String> args = new ArrayList<>(List.of(words).subList(3, words.length));
      args.addAll(List.of("-c", accessConfig.toString()));
      assertThat(new CommandLine(new AddpCli()).execute(args.toArray(String[]::new))).as(command).isZero();
    }

    // ingest, as addp-ingest: creates the topics (--create-topics) and runs its Streams application
    AddpConfig ingest = config("ingest");
    try (Admin a = new KafkaClients(ingest).admin()) {
      Topics.from(ingest).createAll(a, 2, TopicReplication.from(ingest));
    }
    roles.add(RoleRunner.start(List.of(ProcessRole.INGEST), ingest));
    // the connect role, as addp-connect, with both sinks
    roles.add(RoleRunner.start(List.of(ProcessRole.CONNECT), config("connect-role")));
    for (RoleRunner r : roles) r.awaitReady(Duration.ofSeconds(120));
    roles.forEach(r -> assertThat(r.failed()).isEmpty());

    // a role's login holds only its own grants: ingest may not make users nor read the results
    Path ingestConfig = write("ingest.properties", ingest.with("users.password.submit", "x"));
    assertThat(new CommandLine(new AddpCli()).execute("users", "--apply", "-c", ingestConfig.toString())).isEqualTo(1);
    String results = Topics.from(ingest).recognitionResults();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaClients(ingest).groupFreeReader("peek")) {
      c.assign(List.of(new TopicPartition(results, 0)));
      assertThatThrownBy(() -> c.poll(Duration.ofSeconds(30))).isInstanceOf(TopicAuthorizationException.class);
    }
  }

  @Test
  void aWrongPasswordIsRefused() throws IOException {
    AddpConfig wrong = config("ingest").with("kafka.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"addp-ingest\" password=\"wrong\";")
        .with("kafka.default.api.timeout.ms", "8000").with("kafka.request.timeout.ms", "4000");
    try (Admin a = new KafkaClients(wrong).admin()) {
      assertThatThrownBy(() -> a.describeCluster().clusterId().get()).isInstanceOf(ExecutionException.class)
          .hasRootCauseInstanceOf(SaslAuthenticationException.class);
    }
  }

  /** A service's settings from its compose environment, for this one local node and registry. */
  private AddpConfig config(String service) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    compose.environment(service).forEach((k, v) -> env.put(k, local(v)));
    env.put("ADDP_REGISTRY_URL", registry.ccompatUrl());
    env.put("ADDP_MODEL_DIR", TestModels.modelDir().toAbsolutePath().toString());
    env.put("ADDP_TOPIC_REPLICATION_FACTOR", "1");
    env.put("ADDP_TOPIC_MIN_INSYNC_REPLICAS", "1");
    env.put("ADDP_METRICS_HTTP_PORT", "0");
    env.put("ADDP_STREAMS_STATE_DIR", Files.createDirectories(tmp.resolve("streams-" + service)).toString());
    env.put("ADDP_CONNECT_OFFSETS_FILE", tmp.resolve("connect.offsets").toString());
    return AddpConfig.load(null, env, Map.of());
  }

  /** A value with the compose network's names, ports and volumes replaced by this machine's. */
  private String local(String value) {
    String v = value.replace("/etc/kafka/secrets", secretsDir.toString()).replace("/etc/addp/tls", publicDir.toString())
        .replace("/data/", tmp.resolve("data").toString() + "/");
    var bootstrap = COMPOSE_BOOTSTRAP.matcher(v);
    if (bootstrap.matches()) return "localhost:" + ports.get(Integer.parseInt(bootstrap.group(1)));
    for (Map.Entry<Integer, Integer> p : ports.entrySet()) v = v.replace(":" + p.getKey(), ":" + p.getValue());
    return v.replace("kafka-1:", "localhost:");
  }

  /** The apache/kafka image's rule: KAFKA_ dropped, lower case, `_` → `.`, `...` → `-`, `..` → `_`. */
  static String propertyName(String variable) {
    return variable.replace("KAFKA_", "").toLowerCase(java.util.Locale.ROOT).replace("_", ".").replace("...", "-").replace("..", "_");
  }

  private static Path write(String name, AddpConfig config) throws IOException {
    Properties p = new Properties();
    p.putAll(config.asMap());
    Path file = tmp.resolve(name);
    try (Writer w = Files.newBufferedWriter(file)) {
      p.store(w, null);
    }
    return file;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
