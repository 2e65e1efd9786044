package dev.addp.app.cli;

import dev.addp.app.roles.ProcessRole;
import dev.addp.app.run.ContactSheet;
import dev.addp.app.run.GenerationClient;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.Schedule;
import dev.addp.platform.config.AddpConfig;
import dev.addp.workers.recognition.RecognitionService;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Submits one generation job, follows its progress and saves its images. */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "Generate images with ADDP's alternating loop as a Kafka job: progress bar, PNGs and a contact sheet in --out. "
        + "Without connection settings it starts the embedded stack; with -c/-D/ADDP_* it uses that cluster.")
final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--count", defaultValue = "16") int count;
  @Option(names = "--steps", description = "loop steps (default: the model's)") Integer steps;
  @Option(names = "--seed", defaultValue = "0") long seed;
  @Option(names = "--label", description = "class to generate: a label name of the model (any case, e.g. Sandal) or its id; default: none")
  String label;
  @Option(names = "--guidance", paramLabel = "W", description = "classifier-free guidance strength for --label, in [0, the model's max]; "
      + "0 = plain conditional sampling; default: the model's") Double guidance;
  @Option(names = "--schedule", description = "COSINE or LINEAR (default: the model's)") Schedule schedule;
  @Option(names = "--temperature") Float temperature;
  @Option(names = "--choice-temperature") Float choiceTemperature;
  @Option(names = "--priority", defaultValue = "0") int priority;
  @Option(names = "--deadline", description = "fail the job if not done within this duration (ISO-8601, e.g. PT30S)") Duration deadline;
  @Option(names = "--job-id") String jobId;
  @Option(names = "--out", defaultValue = "out/generate") Path out;
  @Option(names = "--model", defaultValue = RecognitionService.DEFAULT_MODEL_DIR, description = "model directory (embedded mode)") Path model;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  public Integer call() throws Exception {
    String badId = jobId == null ? null : dev.addp.schemas.Identifiers.nameProblem("job_id", jobId);
    if (badId != null) throw new dev.addp.app.folder.CliException("--job-id: " + badId);
    return SingleJob.onClusterOrEmbedded(connection.load(), model, "generate-worker", List.of(ProcessRole.GENERATION, ProcessRole.STATUS),
        this::run);
  }

  private int run(AddpConfig config) throws Exception {
    String id = jobId != null ? jobId : "gen-" + UUID.randomUUID().toString().substring(0, 8);
    GenerationRequest request = GenerationRequest.newBuilder().setJobId(id).setCount(count).setSteps(steps).setSchedule(schedule)
        .setTemperature(temperature).setChoiceTemperature(choiceTemperature).setSeed(seed).setPriority(priority).setLabel(label)
        .setGuidance(guidance)
        .setDeadlineMs(deadline == null ? null : System.currentTimeMillis() + deadline.toMillis())
        .setSubmittedAtMs(System.currentTimeMillis()).build();
    SingleJob.Ended ended = SingleJob.run(config, request, steps);
    if (ended.exitCode() != 0) return ended.exitCode();
    GenerationClient.JobOutcome o = ended.outcome();
    double seconds = ended.seconds();
    write(o.results(), id);
    System.err.printf("job %s: %d images in %.1f s (%.1f images/s), written to %s%n", id, o.results().size(), seconds,
        o.results().size() / seconds, out);
    return 0;
  }

  private void write(List<GenerationResult> results, String id) throws Exception {
    Files.createDirectories(out);
    List<GenerationResult> sorted = new ArrayList<>(results);
    sorted.sort(Comparator.comparingInt(GenerationResult::getIndex));
    List<ContactSheet.Cell> cells = new ArrayList<>();
    Map<String, Object> tokens = new LinkedHashMap<>();
    for (GenerationResult r : sorted) {
      byte[] png = GenerationClient.png(r);
      Files.write(out.resolve(id + "_" + r.getIndex() + ".png"), png);
      cells.add(ContactSheet.uncaptioned(png));
      tokens.put(String.valueOf(r.getIndex()), Map.of("token_ids", r.getTokenIds(), "soft_positions", r.getSoftPositions()));
    }
    ContactSheet.write(cells, Math.min(8, cells.size()), 3, out.resolve("contact_sheet.png"));
    DemoCommand.JSON.writeValue(out.resolve(id + "_tokens.json").toFile(), tokens);
  }
}
