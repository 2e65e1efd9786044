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
 * input record, in input order (a result, or a dead letter with its typed reason). Owns the batch input buffer, so one instance serves one thread.
 */
final class BatchInference {
  private static final Logger log = LoggerFactory.getLogger(BatchInference.class);

  private final RecognitionModel model;
  private final RecognitionDecoder decoder;
  private final Topics topics;
  private final AvroSerdes serdes;
  private final DeadLetters deadLetters;
  private final String workerId;
  private final WorkerStats stats;
  private final float[] batchInput;

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
  }

  /** Runs the model on the batch's ready records and builds every output record, in input order. */
  List<ProducerRecord<byte[], byte[]>> run(List<PendingRecord> batch, List<Prepared> prepared, long batchStartMs) {
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
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(prepared.size());
    for (int i = 0; i < prepared.size(); i++) {
      ConsumerRecord<byte[], byte[]> in = batch.get(i).record();
      RecognitionResult result = null;
      if (prepared.get(i) instanceof Prepared.Ready ready && outputs[i] != null) {
        try {
          result = result(ready, outputs[i], slot[i], in, batchStartMs, inferenceMs, readyIdx.size());
        } catch (RuntimeException e) { // post-processing of this image failed: its own dead letter, the batch goes on
          prepared.set(i, new Prepared.Rejected(ErrorType.MODEL_ERROR, e, ready.request().getRequestId()));
        }
      }
      if (result != null) {
        stats.metrics.timed(result.getTimings().getQueueMs(), result.getTimings().getDecodeMs());
        out.add(new ProducerRecord<>(topics.recognitionResults(), in.key(),
            serdes.recognitionResult().serialize(topics.recognitionResults(), result)));
      } else {
        out.add(deadLetter((Prepared.Rejected) prepared.get(i), in));
      }
    }
    return out;
  }

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
  private RecognitionResult result(Prepared.Ready ready, RecognitionModel.Outputs outputs, int j, ConsumerRecord<byte[], byte[]> in,
                                   long batchStartMs, double inferenceMs, int batchSize) {
    ImageRequest req = ready.request();
    RecognitionDecoder.Decoded d = decoder.decode(outputs, j, req, ready.info().getWidth(), ready.info().getHeight());
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
