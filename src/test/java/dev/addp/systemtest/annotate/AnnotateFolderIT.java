package dev.addp.systemtest.annotate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.addp.app.folder.FileOutcome;
import dev.addp.app.folder.FolderReport;
import dev.addp.app.folder.FolderSubmission;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.Task;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.systemtest.support.CliProcess;
import dev.addp.systemtest.support.CocoFileCheck;
import dev.addp.systemtest.support.MixedFolder;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.WorkerProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificData;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Annotating a real mixed folder end to end on a real broker and registry: every file accounted
 * for, the COCO file holding exactly the annotated images (valid COCO, nothing doubled), the counts
 * equal to the progress table's, across a SIGKILLed Connect worker and an interrupted CLI. One
 * service (ingest, recognition, status) in this JVM serves both tests.
 */
class AnnotateFolderIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static AddpConfig config;
  private static RoleRunner service;

  @BeforeAll
  static void startService() throws Exception {
    config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "annotate", 2)
        .with("model.dir", TestModels.modelDir().toString()).with("status.http.port", "0").with(AddpConfig.WORKER_ID, "annotate-it");
    service = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION, ProcessRole.STATUS), config);
    service.awaitReady(Duration.ofSeconds(180));
  }

  @AfterAll
  static void stopService() throws Exception {
    if (service != null) service.close();
  }

  @Test
  void everyFileOfAMixedFolderIsAccountedForAcrossAConnectWorkerCrash(@TempDir Path tmp) throws Exception {
    MixedFolder folder = MixedFolder.generate(tmp.resolve("mixed"), 19);
    assertThat(folder.files()).hasSizeGreaterThanOrEqualTo(300);
    Path out = tmp.resolve("out");
    Path coco = out.resolve("mixed.coco.json");
    AddpConfig connect = config.with("connect.coco.dir", out.toString()).with("connect.coco.datasets", "mixed")
        .with("connect.coco.file.template", "mixed.coco.json").with("connect.coco.name", Topics.from(config).prefix() + "coco-mixed")
        .with("connect.offsets.file", tmp.resolve("connect.offsets").toString());

    FolderSubmission submission = new FolderSubmission(folder.root(), "mixed", List.of(Task.CLASSIFY), System.err);
    submission.scan();
    WorkerProcess[] worker = {WorkerProcess.start("connect", connect)};
    // the sink must be running before the images go, or its first write may already hold them all
    worker[0].awaitLog("COCO export task started", Duration.ofMinutes(3));
    AtomicInteger imagesAtKill = new AtomicInteger(-1);
    CompletableFuture<Void> crash = CompletableFuture.runAsync(() -> {
      try {
        Awaitility.await("first export write").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100))
            .until(() -> annotatedIn(coco).size() > 0);
        worker[0].kill(); // SIGKILL: no flush, no offset commit
        imagesAtKill.set(annotatedIn(coco).size());
        worker[0] = WorkerProcess.start("connect", connect);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    FolderReport report;
    try {
      report = submission.run(config, Set.of(), () -> annotatedIn(coco),
          run -> crash.isDone() && annotatedIn(coco).containsAll(run.results().keySet()), Duration.ofMinutes(10));
      crash.get(1, TimeUnit.MINUTES);
    } finally {
      worker[0].close();
    }
    report.print(System.err);

    // the COCO file: valid, each annotated image exactly once, nothing else
    List<String> cocoIds = CocoFileCheck.validate(coco);
    assertThat(cocoIds).doesNotHaveDuplicates();
    Set<String> annotated = ids(report, FileOutcome.Status.ANNOTATED);
    assertThat(new HashSet<>(cocoIds)).isEqualTo(annotated);
    assertThat(imagesAtKill.get()).as("the worker died mid-dataset").isBetween(1, cocoIds.size() - 1);
    assertThat(Files.readAllLines(out.resolve("mixed.coco.jsonl"))).hasSize(cocoIds.size());

    // every file with the outcome its content calls for
    assertThat(report.everyFileAnswered()).isTrue();
    Map<String, FileOutcome> byFile = report.files().stream().collect(Collectors.toMap(FileOutcome::file, o -> o));
    assertThat(byFile.keySet()).isEqualTo(folder.files().keySet());
    folder.files().forEach((file, expected) -> {
      FileOutcome o = byFile.get(file);
      switch (expected.expect()) {
        case ANNOTATED -> assertThat(o.status()).as(file + ": " + o).isEqualTo(FileOutcome.Status.ANNOTATED);
        case DEAD_LETTERED -> {
          assertThat(o.status()).as(file + ": " + o).isEqualTo(FileOutcome.Status.DEAD_LETTERED);
          assertThat(o.reason()).as(file).isEqualTo(expected.reason());
        }
        case SKIPPED -> {
          assertThat(o.status()).as(file + ": " + o).isEqualTo(FileOutcome.Status.SKIPPED);
          assertThat(o.reason()).as(file).isEqualTo(expected.reason());
        }
        default -> assertThat(o.status()).as(file + ": " + o).isIn(FileOutcome.Status.ANNOTATED, FileOutcome.Status.DEAD_LETTERED);
      }
    });

    // the counts are the progress table's
    JsonNode progress = awaitComplete("mixed");
    assertThat(progress.get("total").asLong()).isEqualTo(report.count(FileOutcome.Status.ANNOTATED) + report.count(FileOutcome.Status.DEAD_LETTERED));
    assertThat(progress.get("annotated").asLong()).isEqualTo(report.count(FileOutcome.Status.ANNOTATED));
    assertThat(progress.get("dead_lettered").asLong()).isEqualTo(report.count(FileOutcome.Status.DEAD_LETTERED));
    Map<String, Long> tableReasons = new TreeMap<>();
    progress.get("dead_lettered_by_reason").fields().forEachRemaining(e -> tableReasons.put(e.getKey(), e.getValue().asLong()));
    assertThat(tableReasons).isEqualTo(report.reasons(FileOutcome.Status.DEAD_LETTERED));

    // the service registered the subjects it owns at start-up, also those no client of this test produced to
    SchemaRegistryClient registry = new SchemaRegistryClient(config.require(AddpConfig.REGISTRY_URL));
    assertThat(registry.lookup(Topics.from(config).generationRequests() + "-value", SpecificData.get().getSchema(GenerationRequest.class)))
        .isPositive();
  }

  @Test
  void anInterruptedAnnotateRunResumesWithoutDoublingAnything(@TempDir Path tmp) throws Exception {
    // a folder large enough that the first run is usually cut off mid-way (the sink may also deliver
    // everything in its first write, when the worker is faster than the sink's start-up)
    MixedFolder folder = MixedFolder.generate(tmp.resolve("resume"), 24);
    Path coco = tmp.resolve("out").resolve("resume.coco.json");
    String[] args = {"annotate", folder.root().toString(), "--out", coco.toString(), "--timeout", "PT5M"};
    // this test is about resuming; on a loaded two-core machine a live broker can take over 10 s to answer a fresh client
    AddpConfig cli = config.with("client.connect.timeout.ms", "60000");
    try (CliProcess first = CliProcess.start(cli, args)) {
      Awaitility.await("first images exported").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(100))
          .until(() -> annotatedIn(coco).size() > 0 || !first.isAlive());
      assertThat(first.isAlive()).as("still running when interrupted:\n" + first.output()).isTrue();
      first.kill();
    }
    int before = annotatedIn(coco).size();
    try (CliProcess again = CliProcess.start(cli, args)) {
      assertThat(again.await(Duration.ofMinutes(8))).as(again.output()).isZero();
      assertThat(again.output()).contains("resuming: " + before + " images already annotated");
    }
    List<String> ids = CocoFileCheck.validate(coco);
    assertThat(ids).doesNotHaveDuplicates();
    long expectedAtLeast = folder.files().values().stream().filter(e -> e.expect() == MixedFolder.Expect.ANNOTATED).count();
    // every image the first run exported is there once, and the second run added whatever was missing
    assertThat(ids.size()).isGreaterThanOrEqualTo(before).isGreaterThanOrEqualTo((int) expectedAtLeast);
    System.out.printf("annotate resume: %d of %d images exported before the kill, %d after the second run%n",
        before, ids.size(), ids.size());
    JsonNode report = JSON.readTree(coco.resolveSibling("report.json").toFile());
    assertThat(report.get("counts").get("files").asInt()).isEqualTo(folder.files().size());
    assertThat(report.get("counts").get("annotated").asInt()).isEqualTo(ids.size());
    assertThat(report.get("counts").get("no_answer").asInt()).isZero();
  }

  private static Set<String> ids(FolderReport report, FileOutcome.Status status) {
    return report.files().stream().filter(o -> o.status() == status).map(FileOutcome::requestId).collect(Collectors.toSet());
  }

  private static Set<String> annotatedIn(Path coco) {
    Set<String> ids = new HashSet<>();
    if (!Files.exists(coco)) return ids;
    try {
      for (JsonNode img : JSON.readTree(coco.toFile()).path("images")) ids.add(img.get("request_id").asText());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // files are replaced by rename: a read never sees half a file
    }
    return ids;
  }

  private static JsonNode awaitComplete(String dataset) {
    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + service.status().port() + "/datasets/" + dataset);
    JsonNode[] last = new JsonNode[1];
    Awaitility.await("dataset " + dataset + " complete in the progress table").atMost(Duration.ofSeconds(60)).until(() -> {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) return false;
      last[0] = JSON.readTree(r.body());
      return last[0].get("complete").asBoolean();
    });
    return last[0];
  }
}
