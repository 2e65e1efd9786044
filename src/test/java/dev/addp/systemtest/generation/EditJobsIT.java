package dev.addp.systemtest.generation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.GenerationClient.JobOutcome;
import dev.addp.avro.EditSource;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.JobState;
import dev.addp.platform.config.AddpConfig;
import dev.addp.schemas.JobStates;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Edit jobs through a real broker and registry, beside a generation job in the same worker (one
 * continuous batch): an inline source and the same source as a {@code file:} URI give the same
 * images, whose tokens outside the region are the source's; one terminal event each; a source
 * outside the allowed roots fails with its typed reason.
 */
class EditJobsIT {
  static final float[] BOX = {8, 8, 12, 12};
  static final int COUNT = 4;

  @TempDir static Path roots;
  private static RoleRunner roles;
  private static GenerationClient client;
  private static EditSourceFixture source;

  @BeforeAll
  static void start() throws Exception {
    source = EditSourceFixture.of(0, BOX);
    Files.write(roots.resolve("source.png"), source.png());
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "edit", 2)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString())
        .with("worker.id", "edit-it").with("generation.batch.size", "64").with("image.uri.roots", roots.toString());
    roles = RoleRunner.start(List.of(ProcessRole.GENERATION), config);
    roles.awaitReady(Duration.ofSeconds(60));
    client = new GenerationClient(config);
  }

  @AfterAll
  static void stop() throws Exception {
    client.close();
    roles.close();
  }

  private static GenerationRequest edit(String id, EditSource.Builder src) {
    return GenerationRequest.newBuilder().setJobId(id).setCount(COUNT).setSeed(5).setSteps(8).setPreviewInterval(2)
        .setEdit(src.setBox(List.of(BOX[0], BOX[1], BOX[2], BOX[3])).build()).setSubmittedAtMs(System.currentTimeMillis()).build();
  }

  @Test
  void inlineAndFileEditsKeepTheSourceOutsideTheRegionBesideAGenerationJob() {
    List<GenerationRequest> jobs = List.of(
        edit("edit-inline", EditSource.newBuilder().setImageBytes(ByteBuffer.wrap(source.png()))),
        edit("edit-file", EditSource.newBuilder().setImageUri(roots.resolve("source.png").toUri().toString())),
        GenerationRequest.newBuilder().setJobId("gen-beside").setCount(COUNT).setSteps(8).setSubmittedAtMs(System.currentTimeMillis()).build());
    client.submitAll(jobs);
    Map<String, JobOutcome> out = client.await(jobs.stream().map(GenerationRequest::getJobId).toList(),
        jobs.stream().collect(Collectors.toMap(GenerationRequest::getJobId, GenerationRequest::getCount)), Duration.ofMinutes(3), e -> { });
    assertThat(client.readToEnd(out, Duration.ofSeconds(60))).as("read to the committed end").isTrue();
    out.forEach((id, o) -> {
      assertThat(o.events().stream().filter(e -> JobStates.isTerminal(e.getState()))).as(id).hasSize(1);
      assertThat(o.last().getState()).as(id + ": " + o.last().getReason()).isEqualTo(JobState.SUCCEEDED);
      assertThat(o.results()).as(id).hasSize(COUNT);
    });
    for (String id : List.of("edit-inline", "edit-file")) {
      JobOutcome o = out.get(id);
      assertThat(o.events()).allSatisfy(e -> assertThat(e.getEdit()).isTrue());
      assertThat(o.events().stream().anyMatch(e -> e.getPreviewPng() != null)).as("previews").isTrue();
      for (GenerationResult r : o.results()) {
        assertThat(r.getRegionPositions()).as(id).isEqualTo(source.regionPositions());
        assertThat(source.changedOutsideRegion(r)).as(id + " image " + r.getIndex() + ": tokens changed outside the region").isEmpty();
        assertThat(r.getSourcePng()).isNotNull();
        assertThat(r.getWidth()).isEqualTo(roles.generation().model().imageShape()[2]);
      }
      List<List<Integer>> regions = o.results().stream().sorted(Comparator.comparingInt(GenerationResult::getIndex)).map(source::regionTokens).toList();
      assertThat(regions.stream().distinct().count()).as(id + ": each image regenerates the region its own way").isEqualTo(COUNT);
    }
    assertThat(tokensByIndex(out.get("edit-file"))).as("a file: source gives the same images as the same source inline")
        .isEqualTo(tokensByIndex(out.get("edit-inline")));
    assertThat(out.get("gen-beside").events()).allSatisfy(e -> assertThat(e.getEdit()).isFalse());
  }

  @Test
  void aSourceOutsideTheAllowedRootsFailsWithItsTypedReason() {
    GenerationRequest r = edit("edit-escape", EditSource.newBuilder().setImageUri(roots.resolve("../escape.png").toUri().toString()));
    client.submit(r);
    JobOutcome o = client.await(List.of(r.getJobId()), Map.of(r.getJobId(), COUNT), Duration.ofSeconds(60), e -> { }).get(r.getJobId());
    assertThat(o.events()).hasSize(1);
    assertThat(o.last().getState()).isEqualTo(JobState.FAILED);
    assertThat(o.last().getErrorType()).isEqualTo(ErrorType.IMAGE_URI_UNREADABLE);
    assertThat(o.results()).isEmpty();
  }

  private static Map<Integer, List<Integer>> tokensByIndex(JobOutcome o) {
    return o.results().stream().collect(Collectors.toMap(GenerationResult::getIndex, GenerationResult::getTokenIds));
  }
}
