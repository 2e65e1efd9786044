package dev.addp.workers.generation.jobs;

import dev.addp.avro.EditSource;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationRequest;
import dev.addp.schemas.Identifiers;
import dev.addp.workers.generation.ClassLabels;
import dev.addp.workers.generation.GuidanceStrength;
import dev.addp.workers.generation.ImageStart;
import dev.addp.workers.generation.LoopSettings;
import dev.addp.workers.generation.Schedule;
import dev.addp.workers.model.ModelManifest;

/**
 * A validated generation request with every setting resolved against the model's defaults: the
 * label value gen_step takes, its guidance strength (null: no label, or a model without guidance),
 * and for an edit its source's tokens and region.
 */
public record JobSpec(String jobId, int count, LoopSettings settings, long seed, int priority, Long deadlineMs,
                      int previewInterval, long submittedAtMs, int label, String labelName, Double guidance, ResolvedEdit edit) {
  public static final int MAX_COUNT = 1024;
  /** Priorities are clamped to ±this, so aging (one step per {@code generation.aging.ms}) lifts any waiting job to the top in bounded time. */
  public static final int MAX_PRIORITY = 10;

  /** A job generating from nothing, unconditionally (label value 0: only for models without conditioning). */
  public JobSpec(String jobId, int count, LoopSettings settings, long seed, int priority, Long deadlineMs, int previewInterval,
                 long submittedAtMs) {
    this(jobId, count, settings, seed, priority, deadlineMs, previewInterval, submittedAtMs, 0, null, null, null);
  }

  /** Turns a request's edit part into the source's tokens and region (reading, probing, decoding, tokenizing the image). */
  @FunctionalInterface
  public interface EditResolver {
    /** @throws InvalidJobException with the typed reason the source or region is refused */
    ResolvedEdit resolve(EditSource edit);

    /** For a worker that cannot edit (its model has no tokenizer). */
    static EditResolver unsupported(String why) {
      return e -> { throw new InvalidJobException(ErrorType.INVALID_REQUEST, "this worker cannot edit images: " + why); };
    }
  }

  /** As {@link #of(GenerationRequest, ModelManifest, EditResolver)} for a worker without editing. */
  public static JobSpec of(GenerationRequest r, ModelManifest manifest) {
    return of(r, manifest, EditResolver.unsupported("the model has no tokenizer"));
  }

  /** @throws InvalidJobException with INVALID_REQUEST, UNKNOWN_MODEL, or the source image's typed reason */
  public static JobSpec of(GenerationRequest r, ModelManifest manifest, EditResolver edits) {
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
    int label;
    Double guidance;
    try {
      settings = new LoopSettings(
          r.getSteps() != null ? r.getSteps() : defaults.steps(),
          r.getSchedule() != null ? Schedule.valueOf(r.getSchedule().name()) : defaults.schedule(),
          r.getTemperature() != null ? r.getTemperature() : defaults.temperature(),
          r.getChoiceTemperature() != null ? r.getChoiceTemperature() : defaults.choiceTemperature());
      label = ClassLabels.resolve(r.getLabel(), manifest.labels(), manifest.generation().conditioning());
      guidance = GuidanceStrength.resolve(r.getGuidance(), r.getLabel() != null, manifest.generation().conditioning());
    } catch (IllegalArgumentException e) {
      throw invalid(e.getMessage());
    }
    int priority = Math.max(-MAX_PRIORITY, Math.min(MAX_PRIORITY, r.getPriority()));
    ResolvedEdit edit = r.getEdit() == null ? null : edits.resolve(r.getEdit());
    return new JobSpec(r.getJobId(), r.getCount(), settings, r.getSeed(), priority, r.getDeadlineMs(),
        r.getPreviewInterval(), r.getSubmittedAtMs(), label,
        ClassLabels.name(label, manifest.labels(), manifest.generation().conditioning()), guidance, edit);
  }

  /** How each of the job's images starts. */
  public ImageStart start() {
    float w = guidance == null ? 0f : guidance.floatValue();
    return edit == null ? ImageStart.generate(label, w) : ImageStart.edit(label, w, edit.sourceIds(), edit.region());
  }

  private static InvalidJobException invalid(String message) { return new InvalidJobException(ErrorType.INVALID_REQUEST, message); }
}
