package dev.addp.workers.recognition;

import dev.addp.avro.ImageRequest;
import dev.addp.avro.Task;
import dev.addp.workers.recognition.heads.Detection;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/**
 * The recognition sequence of one batch, as the worker runs it and the bench measures it: one run
 * of the model graph (only the heads the requests' tasks need), each image's first stage, then,
 * with a refine stage, one run of the crop graph over every image's candidate boxes; and per image
 * the decoding into labels, boxes and masks. Owns its input buffer: one instance per thread.
 */
public final class RecognitionPipeline {
  private final RecognitionModel model;
  private final RecognitionDecoder decoder;
  private final CropStage crops; // null without a refine stage
  private float[] batchInput = new float[0];

  public RecognitionPipeline(RecognitionModel model) {
    this.model = model;
    this.decoder = new RecognitionDecoder(model.manifest(), model.spec());
    this.crops = model.refine() == null ? null : new CropStage(model);
  }

  /** One image's part of a batch's runs: image {@code slot} of {@code outputs}, its first stage, its crops' probabilities. */
  public record ImageOutputs(RecognitionModel.Outputs outputs, int slot, RecognitionDecoder.FirstStage first, CropStage.Share crops) { }

  /** Each image's part of the runs, in input order; the graphs' times and the crops classified (0: no crop run). */
  public record Batch(List<ImageOutputs> images, long modelNanos, long cropNanos, int crops) {
    public long graphNanos() { return modelNanos + cropNanos; }
  }

  /**
   * Runs the images ({@code inputs.get(i)}: request i's preprocessed model input) through the model
   * graph and, with a refine stage, the crop graph.
   *
   * @throws Exception what a graph or a first stage failed with (the worker retries image by image)
   */
  public Batch run(List<float[]> inputs, List<ImageRequest> requests) throws Exception {
    int n = inputs.size();
    int len = model.preprocessor().inputLength();
    if (batchInput.length < n * len) batchInput = new float[n * len];
    EnumSet<Task> tasks = EnumSet.noneOf(Task.class);
    for (int i = 0; i < n; i++) {
      System.arraycopy(inputs.get(i), 0, batchInput, i * len, len);
      tasks.addAll(requests.get(i).getTasks());
    }
    long t0 = System.nanoTime();
    RecognitionModel.Outputs outputs = model.run(batchInput, n, tasks);
    long modelNanos = System.nanoTime() - t0;
    RecognitionDecoder.FirstStage[] first = new RecognitionDecoder.FirstStage[n];
    for (int i = 0; i < n; i++) first[i] = decoder.firstStage(outputs, i, requests.get(i));
    List<CropStage.Share> shares = null;
    long cropNanos = 0;
    int cropCount = 0;
    if (crops != null) {
      List<CropStage.Image> images = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        List<Detection> boxes = first[i] == null ? List.of() : first[i].toCrop();
        images.add(new CropStage.Image(inputs.get(i), boxes));
        cropCount += boxes.size();
      }
      long c0 = System.nanoTime();
      shares = crops.run(images); // no run when no image has boxes
      cropNanos = cropCount == 0 ? 0 : System.nanoTime() - c0;
    }
    List<ImageOutputs> images = new ArrayList<>(n);
    for (int i = 0; i < n; i++) images.add(new ImageOutputs(outputs, i, first[i], shares == null ? null : shares.get(i)));
    return new Batch(images, modelNanos, cropNanos, cropCount);
  }

  /** An image's labels, boxes and masks, for a request whose image is {@code width × height}. */
  public RecognitionDecoder.Decoded decode(ImageOutputs image, ImageRequest request, int width, int height) {
    CropStage.Share s = image.crops();
    return decoder.decode(image.outputs(), image.slot(), request, width, height, image.first(),
        s == null ? null : s.probs(), s == null ? 0 : s.offset());
  }
}
