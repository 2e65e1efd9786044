package dev.addp.workers.recognition;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.RecognitionTimings;
import dev.addp.avro.Task;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.DeadLetters;
import dev.addp.platform.kafka.Topics;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Head running and record building, on the inference thread: one model run over a batch's ready
 * inputs (fetching the outputs of the heads its requests' tasks need), then one output record per
 * input record, in input order (a result, or a dead letter with its typed reason). With a refine
 * stage, the boxes of all the batch's images are classified between the model run and the record
 * building, by one run of the crop graph. Owns the batch buffers, so one instance serves one thread.
 */
final class BatchInference implements InferenceStage {
  private static final Logger log = LoggerFactory.getLogger(BatchInference.class);

  private final RecognitionModel model;
  private final RecognitionDecoder decoder;
  private final Topics topics;
  private final AvroSerdes serdes;
  private final DeadLetters deadLetters;
  private final String workerId;
  private final WorkerStats stats;
  private final float[] batchInput;
  private final CropStage crops; // null without a refine stage

  BatchInference(RecognitionModel model, int maxBatch, Topics topics, AvroSerdes serdes, DeadLetters deadLetters, String workerId,
                 WorkerStats stats) {
    this.model = model;
    this.decoder = new RecognitionDecoder(model.manifest(), model.spec());
    this.topics = topics;
    this.serdes = serdes;
    this.deadLetters = deadLetters;
    this.workerId = workerId;
    this.stats = stats;
    this.batchInput = new float[maxBatch * model.preprocessor().inputLength()];
    this.crops = model.refine() == null ? null : new CropStage(model);
  }

  /** Runs the model on the batch's ready records and builds every output record, in input order. */
  @Override
  public List<ProducerRecord<byte[], byte[]>> run(List<PendingRecord> batch, List<Prepared> prepared, long batchStartMs) {
    int len = model.preprocessor().inputLength();
    List<Integer> readyIdx = new ArrayList<>();
    EnumSet<Task> tasks = EnumSet.noneOf(Task.class);
    for (int i = 0; i < prepared.size(); i++) {
      if (prepared.get(i) instanceof Prepared.Ready ready) {
        System.arraycopy(ready.input(), 0, batchInput, readyIdx.size() * len, len);
        readyIdx.add(i);
        tasks.addAll(ready.request().getTasks());
      }
    }
    // one model run for the batch, whatever mix of tasks its requests ask for: record i is image slot[i] of outputs[i]
    RecognitionModel.Outputs[] outputs = new RecognitionModel.Outputs[prepared.size()];
    int[] slot = new int[prepared.size()];
    double inferenceMs = 0;
    if (!readyIdx.isEmpty()) {
      long t0 = System.nanoTime();
      try {
        RecognitionModel.Outputs o = model.run(batchInput, readyIdx.size(), tasks);
        for (int j = 0; j < readyIdx.size(); j++) {
          outputs[readyIdx.get(j)] = o;
          slot[readyIdx.get(j)] = j;
        }
      } catch (Exception e) {
        log.warn("batch of {} failed in the model ({}); retrying one by one", readyIdx.size(), e.toString());
        for (int i : readyIdx) outputs[i] = runAlone((Prepared.Ready) prepared.get(i), prepared, i);
      }
      long nanos = System.nanoTime() - t0;
      stats.inferenceNanos.addAndGet(nanos);
      stats.metrics.modelRun(nanos);
      inferenceMs = nanos / 1e6;
    }
    // first stage of every image, then the crop graph once over all their boxes
    RecognitionDecoder.FirstStage[] first = new RecognitionDecoder.FirstStage[prepared.size()];
    for (int i : readyIdx) {
      if (outputs[i] == null) continue;
      try {
        first[i] = decoder.firstStage(outputs[i], slot[i], ((Prepared.Ready) prepared.get(i)).request());
      } catch (RuntimeException e) {
        prepared.set(i, new Prepared.Rejected(ErrorType.MODEL_ERROR, e, ((Prepared.Ready) prepared.get(i)).request().getRequestId()));
        outputs[i] = null;
      }
    }
    CropStage.Share[] probs = new CropStage.Share[prepared.size()];
    if (crops != null) inferenceMs += classifyCrops(prepared, first, probs);
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(prepared.size());
    for (int i = 0; i < prepared.size(); i++) {
      ConsumerRecord<byte[], byte[]> in = batch.get(i).record();
      RecognitionResult result = null;
      if (prepared.get(i) instanceof Prepared.Ready ready && outputs[i] != null) {
        try {
          result = result(ready, outputs[i], slot[i], first[i], probs[i], in, batchStartMs, inferenceMs, readyIdx.size());
        } catch (RuntimeException e) { // post-processing of this image failed: its own dead letter, the batch goes on
          prepared.set(i, new Prepared.Rejected(ErrorType.MODEL_ERROR, e, ready.request().getRequestId()));
        }
      }
      byte[] value = result == null ? null : serdes.recognitionResult().serialize(topics.recognitionResults(), result);
      if (value != null && !Topics.fitsInRecord(in.key(), value)) {
        // a result no broker would take would fail the transaction on every retry: it becomes this record's answer instead
        prepared.set(i, new Prepared.Rejected(ErrorType.RESULT_TOO_LARGE, new IllegalStateException("the result is " + value.length
            + " bytes, over the record limit of " + Topics.MAX_MESSAGE_BYTES + " (ask for fewer tasks or boxes)"), result.getRequestId()));
        value = null;
      }
      if (value != null) {
        stats.metrics.timed(result.getTimings().getQueueMs(), result.getTimings().getDecodeMs());
        out.add(new ProducerRecord<>(topics.recognitionResults(), in.key(), value));
      } else {
        out.add(deadLetter((Prepared.Rejected) prepared.get(i), in));
      }
    }
    return out;
  }

  /**
   * Runs the crop graph once over the boxes of every image that has some ({@code probs[i]} is
   * image i's share); if the batch run fails, each image alone, and one that fails again becomes
   * a MODEL_ERROR dead letter. → the wall time in ms.
   */
  private double classifyCrops(List<Prepared> prepared, RecognitionDecoder.FirstStage[] first, CropStage.Share[] probs) {
    List<Integer> withBoxes = new ArrayList<>();
    List<CropStage.Image> images = new ArrayList<>();
    for (int i = 0; i < prepared.size(); i++) {
      if (first[i] != null && !first[i].toCrop().isEmpty() && prepared.get(i) instanceof Prepared.Ready ready) {
        withBoxes.add(i);
        images.add(new CropStage.Image(ready.input(), first[i].toCrop()));
      }
    }
    if (withBoxes.isEmpty()) return 0;
    long t0 = System.nanoTime();
    try {
      List<CropStage.Share> shares = crops.run(images);
      for (int k = 0; k < withBoxes.size(); k++) probs[withBoxes.get(k)] = shares.get(k);
      stats.metrics.cropRun(crops(images));
    } catch (Exception e) {
      log.warn("crops of a batch of {} failed in the crop graph ({}); retrying image by image", withBoxes.size(), e.toString());
      for (int k = 0; k < withBoxes.size(); k++) {
        int i = withBoxes.get(k);
        try {
          probs[i] = crops.run(List.of(images.get(k))).get(0);
          stats.metrics.cropRun(images.get(k).boxes().size());
        } catch (Exception again) {
          prepared.set(i, new Prepared.Rejected(ErrorType.MODEL_ERROR, again, ((Prepared.Ready) prepared.get(i)).request().getRequestId()));
        }
      }
    }
    long nanos = System.nanoTime() - t0;
    stats.inferenceNanos.addAndGet(nanos);
    stats.metrics.cropRunTime(nanos);
    return nanos / 1e6;
  }

  private static int crops(List<CropStage.Image> images) { return images.stream().mapToInt(img -> img.boxes().size()).sum(); }

  /** A record the batch run failed on, run alone; if it fails again it becomes a MODEL_ERROR dead letter. */
  private RecognitionModel.Outputs runAlone(Prepared.Ready ready, List<Prepared> prepared, int i) {
    try {
      return model.run(ready.input(), 1, EnumSet.copyOf(ready.request().getTasks()));
    } catch (Exception e) {
      prepared.set(i, new Prepared.Rejected(ErrorType.MODEL_ERROR, e, ready.request().getRequestId()));
      return null;
    }
  }

  /** Image {@code j} of the run's outputs → the result record, with what the request's tasks ask for. */
  private RecognitionResult result(Prepared.Ready ready, RecognitionModel.Outputs outputs, int j, RecognitionDecoder.FirstStage first,
                                   CropStage.Share probs, ConsumerRecord<byte[], byte[]> in, long batchStartMs, double inferenceMs,
                                   int batchSize) {
    ImageRequest req = ready.request();
    RecognitionDecoder.Decoded d = decoder.decode(outputs, j, req, ready.info().getWidth(), ready.info().getHeight(), first,
        probs == null ? null : probs.probs(), probs == null ? 0 : probs.offset());
    return RecognitionResult.newBuilder()
        .setRequestId(req.getRequestId())
        .setDataset(req.getDataset())
        .setModel(model.lineage())
        .setImage(ready.info())
        .setClassifications(d.classifications())
        .setBoxes(d.boxes())
        .setMasks(d.masks())
        .setTimings(new RecognitionTimings((double) Math.max(0, batchStartMs - in.timestamp()), ready.decodeMs(), inferenceMs, batchSize))
        .setWorkerId(workerId)
        .setAttributes(req.getAttributes())
        .setSubmittedAtMs(req.getSubmittedAtMs())
        .setProducedAtMs(System.currentTimeMillis())
        .build();
  }

  private ProducerRecord<byte[], byte[]> deadLetter(Prepared.Rejected rej, ConsumerRecord<byte[], byte[]> in) {
    DeadLetter dl = deadLetters.of(rej.type(), rej.error(), in.topic(), in.partition(), in.offset(), in.timestamp(),
        in.key(), in.value(), rej.requestId());
    return new ProducerRecord<>(topics.deadLetters(), in.key(), serdes.deadLetter().serialize(topics.deadLetters(), dl));
  }
}
