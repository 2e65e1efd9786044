package dev.addp.workers.generation.jobs;

import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationRequest;
import dev.addp.schemas.Identifiers;
import dev.addp.workers.generation.LoopSettings;
import dev.addp.workers.generation.Schedule;
import dev.addp.workers.model.ModelManifest;

/** A validated generation request with every setting resolved against the model's defaults. */
public record JobSpec(String jobId, int count, LoopSettings settings, long seed, int priority, Long deadlineMs,
                      int previewInterval, long submittedAtMs) {
  public static final int MAX_COUNT = 1024;
  /** Priorities are clamped to ±this, so aging (one step per {@code generation.aging.ms}) lifts any waiting job to the top in bounded time. */
  public static final int MAX_PRIORITY = 10;

  /** @throws InvalidJobException with INVALID_REQUEST or UNKNOWN_MODEL */
  public static JobSpec of(GenerationRequest r, ModelManifest manifest) {
    String badId = Identifiers.nameProblem("job_id", r.getJobId()); // it names the job's folder in the image sink
    if (badId != null) throw invalid(badId);
    if (r.getModel() != null && !r.getModel().equals(manifest.name())) {
      throw new InvalidJobException(ErrorType.UNKNOWN_MODEL, "model '" + r.getModel() + "' is not served here (this worker serves '"
          + manifest.name() + "')");
    }
    if (r.getCount() < 1 || r.getCount() > MAX_COUNT) throw invalid("count must be in 1.." + MAX_COUNT + ", got " + r.getCount());
    if (r.getPreviewInterval() < 0) throw invalid("preview_interval must be >= 0, got " + r.getPreviewInterval());
    LoopSettings defaults = LoopSettings.defaults(manifest.generation());
    LoopSettings settings;
    try {
      settings = new LoopSettings(
          r.getSteps() != null ? r.getSteps() : defaults.steps(),
          r.getSchedule() != null ? Schedule.valueOf(r.getSchedule().name()) : defaults.schedule(),
          r.getTemperature() != null ? r.getTemperature() : defaults.temperature(),
          r.getChoiceTemperature() != null ? r.getChoiceTemperature() : defaults.choiceTemperature());
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
    int priority = Math.max(-MAX_PRIORITY, Math.min(MAX_PRIORITY, r.getPriority()));
    return new JobSpec(r.getJobId(), r.getCount(), settings, r.getSeed(), priority, r.getDeadlineMs(),
        r.getPreviewInterval(), r.getSubmittedAtMs());
  }

  private static InvalidJobException invalid(String message) { return new InvalidJobException(ErrorType.INVALID_REQUEST, message); }
}
