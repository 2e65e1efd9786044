package dev.addp.app.bench;

import dev.addp.app.run.BenchImages;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.Task;
import dev.addp.workers.recognition.RecognitionModel;
import dev.addp.workers.recognition.RecognitionPipeline;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Images per second of the recognition graphs alone, through the worker's own {@link RecognitionPipeline}
 * (the outputs the tasks need, each image's first stage and, with a refine stage, the crop graph's run on
 * every batch's candidate boxes), on one batch of preprocessed images used over and over.
 */
final class RawRecognition {
  private final RecognitionPipeline pipeline;
  private final List<Task> tasks;
  private final int batchSize;
  private final int images;
  private final int width;
  private final int height;
  private final List<float[]> input;

  /** Preprocesses the first {@code batchSize} images of the data set (cycled) and runs them once to warm the graph. */
  RawRecognition(RecognitionModel model, BenchImages data, List<Task> tasks, int batchSize, int images) throws Exception {
    this.pipeline = new RecognitionPipeline(model);
    this.tasks = tasks;
    this.batchSize = batchSize;
    this.images = images;
    this.width = data.image(0).getWidth();
    this.height = data.image(0).getHeight();
    int len = model.preprocessor().inputLength();
    this.input = new ArrayList<>(batchSize);
    for (int j = 0; j < batchSize; j++) {
      float[] one = new float[len];
      model.preprocessor().write(data.image(j % data.count()), one, 0);
      input.add(one);
    }
    pipeline.run(input, requests(batchSize));
  }

  /** The graphs alone. */
  double imagesPerSecond() throws Exception {
    return measure(false);
  }

  /** As {@link #imagesPerSecond}, plus the worker's post-processing of every image (labels, boxes, masks as RLE). */
  double imagesPerSecondDecoded() throws Exception {
    return measure(true);
  }

  private double measure(boolean decode) throws Exception {
    long t0 = System.nanoTime();
    int done = 0;
    while (done < images) {
      int m = Math.min(batchSize, images - done);
      List<ImageRequest> reqs = requests(m);
      RecognitionPipeline.Batch b = pipeline.run(input.subList(0, m), reqs);
      if (decode) for (int j = 0; j < m; j++) pipeline.decode(b.images().get(j), reqs.get(j), width, height);
      done += m;
    }
    return done / ((System.nanoTime() - t0) / 1e9);
  }

  /** {@code m} requests with the bench's tasks, as the worker's batch would hold them. */
  private List<ImageRequest> requests(int m) {
    ImageRequest req = ImageRequest.newBuilder().setRequestId("raw").setTasks(tasks).setTopK(3).build();
    return Collections.nCopies(m, req);
  }
}
