package dev.addp.systemtest.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.addp.app.cli.AddpCli;
import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.GenerationClient.JobOutcome;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.app.security.AccessPlan;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.JobState;
import dev.addp.avro.RecognitionResult;
import dev.addp.embedded.BrokerSecurity;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.schemas.registry.SchemaRegistryException;
import dev.addp.systemtest.support.BasicAuthProxy;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestRegistry;
import dev.addp.systemtest.support.UriEscapes;
import dev.addp.systemtest.support.WorkerProcess;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The service on a secured broker: SASL_SSL with SCRAM-SHA-512, the StandardAuthorizer, and a
 * registry that only answers with HTTP basic auth. Every role and CLI client logs in as its own
 * principal, holding exactly the ACLs `addp acls --apply` created, and as its own registry user.
 * One secured stack for the whole class (the shared plain stack is not used here).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecureClusterIT {
  private static final String PREFIX = "secure.";
  /** A user that logs in fine but holds no ACL at all. */
  private static final String NO_ACLS = "no-acls";
  private static final Duration READY = Duration.ofSeconds(120);

  @TempDir static Path tmp;
  private EmbeddedStack stack;
  private BrokerSecurity security;
  private BasicAuthProxy registry;
  private AddpConfig base;
  private final Map<String, String> kafkaPasswords = new HashMap<>();
  private final Map<String, String> registryPasswords = new HashMap<>();
  private final Map<ProcessRole, RoleRunner> roles = new LinkedHashMap<>();
  private UriEscapes uris;
  private Path dropFolder;
  private Path cocoDir;
  private Path imagesDir;
  private FashionMnistSample sample;

  @BeforeAll
  void startSecuredStackAndEveryRoleAsItsOwnPrincipal() throws Exception {
    stack = EmbeddedStack.startSecure(AddpConfig.of(Map.of(AddpConfig.TOPIC_PREFIX, PREFIX)), 2, TestRegistry.distribution());
    security = stack.kafka().security().orElseThrow();
    List<String> users = new ArrayList<>(AccessPlan.CLIENTS);
    users.add(NO_ACLS);
    for (String u : users) {
      kafkaPasswords.put(u, UUID.randomUUID().toString().replace("-", ""));
      registryPasswords.put(u, UUID.randomUUID().toString().replace("-", ""));
    }
    registryPasswords.put("admin", UUID.randomUUID().toString().replace("-", ""));
    registry = BasicAuthProxy.start(stack.registry().ccompatUrl(), registryPasswords);
    cocoDir = Files.createDirectories(tmp.resolve("coco"));
    imagesDir = Files.createDirectories(tmp.resolve("generated"));
    // the connect role's sinks, as in docker-compose.secure.yml: their grants come from the same configuration
    base = stack.config().with(AddpConfig.REGISTRY_URL, registry.url())
        .with("connect.coco.dir", cocoDir.toString()).with("connect.images.dir", imagesDir.toString())
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString())
        .with("model.intra.op.threads", "1").with("recognition.batch.size", "8").with("generation.batch.size", "16");
    AddpConfig admin = base.with(AddpConfig.REGISTRY_BASIC_AUTH, "admin:" + registryPasswords.get("admin"));

    try (Admin a = new KafkaClients(admin).admin()) {
      // the users and their ACLs, made by the CLI from the same configuration, logged in as the admin
      AddpConfig withPasswords = admin;
      for (String client : AccessPlan.CLIENTS) withPasswords = withPasswords.with("users.password." + client, kafkaPasswords.get(client));
      Path adminFile = write(tmp.resolve("admin.properties"), withPasswords);
      assertThat(new CommandLine(new AddpCli()).execute("users", "--apply", "-c", adminFile.toString())).isZero();
      BrokerSecurity.createUser(a, kafkaUser(NO_ACLS), kafkaPasswords.get(NO_ACLS));
      assertThat(new CommandLine(new AddpCli()).execute("acls", "--apply", "-c", adminFile.toString())).isZero();
      long expected = AccessPlan.of(admin).stream().mapToLong(c -> c.bindings().size()).sum();
      await("ACLs served by the broker").atMost(Duration.ofSeconds(30))
          .until(() -> a.describeAcls(AclBindingFilter.ANY).values().get().size() == expected);
    }
    for (String u : users) {
      await("SCRAM login of " + u).atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> clusterIdAs(as(u)) != null);
    }

    sample = FashionMnistSample.read(TestModels.sampleDir());
    uris = UriEscapes.create(Files.createDirectories(tmp.resolve("uris")), sample.png(0));
    dropFolder = Files.createDirectories(tmp.resolve("drop"));
    roles.put(ProcessRole.INGEST, RoleRunner.start(List.of(ProcessRole.INGEST), as("ingest").with("image.uri.roots", uris.root())));
    roles.put(ProcessRole.RECOGNITION, RoleRunner.start(List.of(ProcessRole.RECOGNITION), as("recognition").with("worker.id", "secure-rec")));
    roles.put(ProcessRole.GENERATION, RoleRunner.start(List.of(ProcessRole.GENERATION), as("generation").with("worker.id", "secure-gen")));
    roles.put(ProcessRole.STATUS, RoleRunner.start(List.of(ProcessRole.STATUS), as("status").with("status.http.port", "0")));
    roles.put(ProcessRole.CONNECT, RoleRunner.start(List.of(ProcessRole.CONNECT), as("connect")
        .with("connect.image.folder", dropFolder.toString()).with("connect.dataset", "dropped")
        .with("connect.offsets.file", tmp.resolve("connect.offsets").toString())));
    for (RoleRunner r : roles.values()) r.awaitReady(READY);
  }

  @AfterAll
  void stop() throws Exception {
    List<RoleRunner> started = new ArrayList<>(roles.values());
    for (int i = started.size() - 1; i >= 0; i--) started.get(i).close();
    if (registry != null) registry.close();
    if (stack != null) stack.close();
  }

  @Test
  void everyRoleAndClientWorksWithOnlyItsPrintedAcls() throws Exception {
    // submit → ingest → recognition → results, read back by the submit client
    int n = 6;
    RecognitionRoundTrip.Outcome o = new RecognitionRoundTrip(as(RecognitionRoundTrip.CLIENT)).run("secure", n,
        i -> new RecognitionRoundTrip.Item("secure/" + i, sample.png(i), Map.of()), Duration.ofSeconds(180), false);
    assertThat(o.deadLetters()).isEmpty();
    assertThat(o.results()).hasSize(n);
    o.results().values().forEach(r -> {
      assertThat(r.getClassifications()).isNotEmpty();
      assertThat(r.getWorkerId()).isEqualTo("secure-rec");
    });

    // connect: a file dropped in the folder comes back as a result; the COCO sink exports the results
    Files.write(dropFolder.resolve("dropped.png"), sample.png(1));
    assertThat(readResults(as(RecognitionRoundTrip.CLIENT), List.of("dropped/dropped.png"))).containsKey("dropped/dropped.png");
    Path coco = cocoDir.resolve("secure.coco.json");
    await("COCO export of the secure dataset").atMost(Duration.ofSeconds(120)).until(() -> Files.exists(coco)
        && o.results().keySet().stream().allMatch(id -> readString(coco).contains(id)));

    // generate → generation → events and results; status serves the job; cancel stops another job
    try (GenerationClient client = new GenerationClient(as(GenerationClient.CLIENT))) {
      String done = "secure-job";
      client.submit(job(done, 2, 8));
      JobOutcome ok = client.await(List.of(done), Map.of(done, 2), Duration.ofSeconds(180), e -> { }).get(done);
      assertThat(ok.last().getState()).isEqualTo(JobState.SUCCEEDED);
      assertThat(ok.results()).hasSize(2);
      await("generated images written by the sink").atMost(Duration.ofSeconds(120))
          .until(() -> Files.exists(imagesDir.resolve(done).resolve("0.png")) && Files.exists(imagesDir.resolve(done).resolve("1.png")));

      int port = roles.get(ProcessRole.STATUS).status().port();
      HttpClient http = HttpClient.newHttpClient();
      await("job status served").atMost(Duration.ofSeconds(60)).until(() -> {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs/" + done)).build(),
            HttpResponse.BodyHandlers.ofString());
        return r.statusCode() == 200 && r.body().contains("SUCCEEDED");
      });

      String cancelled = "secure-cancel";
      client.submit(job(cancelled, 16, 64));
      GenerationClient.sendCancel(as("cancel"), cancelled, "secure cancel");
      JobOutcome c = client.await(List.of(cancelled), Map.of(cancelled, 16), Duration.ofSeconds(180), e -> { }).get(cancelled);
      assertThat(c.last().getState()).isEqualTo(JobState.CANCELLED);
      assertThat(c.last().getReason()).isEqualTo("secure cancel");
    }

    roles.values().forEach(r -> assertThat(r.failed()).as("roles that stopped").isEmpty());
    // every role and client went through the registry with its own credentials
    for (String client : List.of("ingest", "recognition", "generation", "status", "connect",
        RecognitionRoundTrip.CLIENT, GenerationClient.CLIENT, "cancel")) {
      assertThat(registry.passed(client)).as("registry requests authenticated as " + client).isPositive();
    }
  }

  @Test
  void theRegistryRefusesClientsWithoutCredentials() {
    assertThatThrownBy(() -> new SchemaRegistryClient(registry.url()).schemaById(1))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(401));
    assertThatThrownBy(() -> new SchemaRegistryClient(registry.url(), "ingest:wrong", Duration.ofSeconds(5)).schemaById(1))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(401));
    assertThat(registry.refused()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void unauthenticatedClientsAreRefused() {
    AddpConfig quick = base.with("kafka.default.api.timeout.ms", "8000").with("kafka.request.timeout.ms", "4000");
    // a wrong password and an unknown user fail the SCRAM exchange
    assertThatThrownBy(() -> clusterIdAs(security.asUser(quick, kafkaUser("submit"), "wrong-password")))
        .hasRootCauseInstanceOf(SaslAuthenticationException.class);
    assertThatThrownBy(() -> clusterIdAs(security.asUser(quick, "nobody", "x")))
        .hasRootCauseInstanceOf(SaslAuthenticationException.class);
    // TLS without SASL, and plaintext, never get an answer
    AddpConfig tlsOnly = AddpConfig.of(Map.of(AddpConfig.BOOTSTRAP_SERVERS, stack.kafka().bootstrapServers(),
        "kafka.security.protocol", "SSL", "kafka.ssl.truststore.type", "PEM",
        "kafka.ssl.truststore.location", security.tls().truststorePem().toString(),
        "kafka.default.api.timeout.ms", "8000", "kafka.request.timeout.ms", "4000"));
    assertThatThrownBy(() -> clusterIdAs(tlsOnly)).isInstanceOf(ExecutionException.class);
    AddpConfig plaintext = AddpConfig.of(Map.of(AddpConfig.BOOTSTRAP_SERVERS, stack.kafka().bootstrapServers(),
        "kafka.default.api.timeout.ms", "8000", "kafka.request.timeout.ms", "4000"));
    assertThatThrownBy(() -> clusterIdAs(plaintext)).isInstanceOf(ExecutionException.class);
  }

  @Test
  void aClientWithoutReadAclOnTheResultsCannotReadThem() {
    String results = Topics.from(base).recognitionResults();
    // the generate client has a group but no READ on the results topic
    AddpConfig generate = as(GenerationClient.CLIENT);
    try (KafkaConsumer<byte[], byte[]> c = new KafkaClients(generate).readCommittedConsumer(
        ClientIds.from(generate).clientGroup(GenerationClient.CLIENT))) {
      c.subscribe(List.of(results));
      assertThatThrownBy(() -> pollFor(c, Duration.ofSeconds(30)))
          .isInstanceOfSatisfying(TopicAuthorizationException.class, e -> assertThat(e.unauthorizedTopics()).contains(results));
    }
    // nor can the ingest read them by assigning the partitions itself
    try (KafkaConsumer<byte[], byte[]> c = new KafkaClients(as("ingest")).groupFreeReader("peek")) {
      c.assign(List.of(new TopicPartition(results, 0)));
      assertThatThrownBy(() -> pollFor(c, Duration.ofSeconds(30)))
          .isInstanceOfSatisfying(TopicAuthorizationException.class, e -> assertThat(e.unauthorizedTopics()).contains(results));
    }
  }

  @Test
  void aWorkerWithoutItsAclsExitsWithTheAuthorizationError() throws Exception {
    AddpConfig noAcls = as(NO_ACLS).with("worker.id", "no-acls");
    List<WorkerProcess> workers = new ArrayList<>();
    try {
      for (String role : List.of("recognition", "generation", "ingest")) workers.add(WorkerProcess.start(role, noAcls));
      for (WorkerProcess w : workers) {
        OptionalInt code = w.awaitExit(Duration.ofSeconds(180));
        assertThat(code).as("the worker exits instead of retrying; log:\n" + w.log()).isPresent();
        assertThat(code.getAsInt()).as("exit code; log:\n" + w.log()).isNotZero();
        assertThat(w.log()).as("the log names the authorization error").containsPattern("\\w+AuthorizationException");
      }
    } finally {
      for (WorkerProcess w : workers) w.close();
    }
  }

  @Test
  void fileUrisLeavingTheRootsAreDeadLetteredOnTheSecuredBroker() throws Exception {
    AddpConfig submit = as(RecognitionRoundTrip.CLIENT);
    Topics topics = Topics.from(submit);
    AvroSerdes serdes = AvroSerdes.from(submit);
    Map<String, String> all = new LinkedHashMap<>(uris.allowed());
    all.putAll(uris.escapes());
    try (KafkaConsumer<byte[], byte[]> c = new KafkaClients(submit).readCommittedConsumer(
            ClientIds.from(submit).clientGroup(RecognitionRoundTrip.CLIENT));
         KafkaProducer<byte[], byte[]> producer = new KafkaClients(submit).producer()) {
      c.subscribe(List.of(topics.recognitionResults(), topics.deadLetters()));
      for (Map.Entry<String, String> e : all.entrySet()) {
        ImageRequest r = ImageRequest.newBuilder().setRequestId(e.getKey()).setDataset("uri-roots").setImageUri(e.getValue())
            .setSubmittedAtMs(System.currentTimeMillis()).build();
        producer.send(new ProducerRecord<>(topics.imagesRaw(), e.getKey().getBytes(StandardCharsets.UTF_8),
            serdes.imageRequest().serialize(topics.imagesRaw(), r))).get();
      }
      Map<String, DeadLetter> dead = new HashMap<>();
      Map<String, RecognitionResult> recognised = new HashMap<>();
      long deadline = System.currentTimeMillis() + 180_000;
      while (!(dead.keySet().containsAll(uris.escapes().keySet()) && recognised.keySet().containsAll(uris.allowed().keySet()))
          && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          String key = new String(r.key(), StandardCharsets.UTF_8);
          if (!all.containsKey(key)) continue;
          if (r.topic().equals(topics.deadLetters())) dead.put(key, serdes.deadLetter().deserialize(r.topic(), r.value()));
          else recognised.put(key, serdes.recognitionResult().deserialize(r.topic(), r.value()));
        }
      }
      assertThat(dead.keySet()).containsExactlyInAnyOrderElementsOf(uris.escapes().keySet());
      dead.forEach((id, d) -> {
        assertThat(d.getErrorType()).as(id).isEqualTo(ErrorType.IMAGE_URI_UNREADABLE);
        assertThat(d.getMessage()).as(id).contains("outside the allowed roots");
      });
      assertThat(recognised.keySet()).containsExactlyInAnyOrderElementsOf(uris.allowed().keySet());
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static String kafkaUser(String client) { return "addp-" + client; }

  /** The configuration a client runs with: its Kafka login and its registry login. */
  private AddpConfig as(String client) {
    return security.asUser(base, kafkaUser(client), kafkaPasswords.get(client))
        .with(AddpConfig.REGISTRY_BASIC_AUTH, client + ":" + registryPasswords.get(client));
  }

  private static GenerationRequest job(String id, int count, int steps) {
    return GenerationRequest.newBuilder().setJobId(id).setCount(count).setSteps(steps).setSeed(11)
        .setSubmittedAtMs(System.currentTimeMillis()).build();
  }

  private static String clusterIdAs(AddpConfig config) throws Exception {
    try (Admin a = new KafkaClients(config).admin()) {
      return a.describeCluster().clusterId().get(30, TimeUnit.SECONDS);
    }
  }

  /** Polls until something is read or the timeout passes; an authorization error surfaces as the poll's exception. */
  private static void pollFor(KafkaConsumer<byte[], byte[]> c, Duration timeout) {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (System.currentTimeMillis() < deadline) {
      if (!c.poll(Duration.ofMillis(200)).isEmpty()) return;
    }
  }

  private static Map<String, RecognitionResult> readResults(AddpConfig config, List<String> ids) {
    AvroSerdes serdes = AvroSerdes.from(config);
    Map<String, RecognitionResult> found = new HashMap<>();
    try (KafkaConsumer<byte[], byte[]> c = new KafkaClients(config).readCommittedConsumer(
        ClientIds.from(config).clientGroup(RecognitionRoundTrip.CLIENT))) {
      c.subscribe(List.of(Topics.from(config).recognitionResults()));
      long deadline = System.currentTimeMillis() + 120_000;
      while (!found.keySet().containsAll(ids) && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
          RecognitionResult res = serdes.recognitionResult().deserialize(r.topic(), r.value());
          if (ids.contains(res.getRequestId())) found.put(res.getRequestId(), res);
        }
      }
    }
    return found;
  }

  private static String readString(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return ""; // being replaced by the sink: read again
    }
  }

  private static Path write(Path file, AddpConfig config) throws IOException {
    Properties p = new Properties();
    p.putAll(config.asMap());
    try (Writer w = Files.newBufferedWriter(file)) {
      p.store(w, "admin login for addp users and addp acls --apply");
    }
    return file;
  }
}
