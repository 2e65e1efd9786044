package dev.addp.workers.recognition;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.RecognitionTimings;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.schemas.DeadLetters;
import dev.addp.platform.kafka.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker's inference stage, on the inference thread: the batch's ready inputs go through the
 * {@link RecognitionPipeline} in one pass (retried image by image when it fails), then one output
 * record per input record, in input order (a result, or a dead letter with its typed reason). Owns
 * the pipeline's buffers, so one instance serves one thread.
 */
final class BatchInference implements InferenceStage {
  private static final Logger log = LoggerFactory.getLogger(BatchInference.class);

  private final RecognitionModel model;
  private final RecognitionPipeline pipeline;
  private final Topics topics;
  private final AvroSerdes serdes;
  private final DeadLetters deadLetters;
  private final String workerId;
  private final WorkerStats stats;

  BatchInference(RecognitionModel model, Topics topics, AvroSerdes serdes, DeadLetters deadLetters, String workerId,
                 WorkerStats stats) {
    this.model = model;
    this.pipeline = new RecognitionPipeline(model);
    this.topics = topics;
    this.serdes = serdes;
    this.deadLetters = deadLetters;
    this.workerId = workerId;
    this.stats = stats;
  }

  /** Runs the batch's ready records through the pipeline and builds every output record, in input order. */
  @Override
  public List<ProducerRecord<byte[], byte[]>> run(List<PendingRecord> batch, List<Prepared> prepared, long batchStartMs) {
    List<Integer> readyIdx = new ArrayList<>();
    List<float[]> inputs = new ArrayList<>();
    List<ImageRequest> requests = new ArrayList<>();
    for (int i = 0; i < prepared.size(); i++) {
      if (prepared.get(i) instanceof Prepared.Ready ready) {
        readyIdx.add(i);
        inputs.add(ready.input());
        requests.add(ready.request());
      }
    }
    // one pass for the batch, whatever mix of tasks its requests ask for; record i's part is outputs[i]
    RecognitionPipeline.ImageOutputs[] outputs = new RecognitionPipeline.ImageOutputs[prepared.size()];
    long graphNanos = 0;
    if (!readyIdx.isEmpty()) {
      try {
        RecognitionPipeline.Batch b = pipeline.run(inputs, requests);
        for (int j = 0; j < readyIdx.size(); j++) outputs[readyIdx.get(j)] = b.images().get(j);
        graphNanos += recorded(b);
      } catch (Exception e) {
        log.warn("batch of {} failed in the model ({}); retrying one by one", readyIdx.size(), e.toString());
        for (int j = 0; j < readyIdx.size(); j++) {
          int i = readyIdx.get(j);
          try { // a record that fails alone too becomes a MODEL_ERROR dead letter
            RecognitionPipeline.Batch b = pipeline.run(List.of(inputs.get(j)), List.of(requests.get(j)));
            outputs[i] = b.images().get(0);
            graphNanos += recorded(b);
          } catch (Exception again) {
            prepared.set(i, new Prepared.Rejected(ErrorType.MODEL_ERROR, again, requests.get(j).getRequestId()));
          }
        }
      }
    }
    double inferenceMs = graphNanos / 1e6;
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(prepared.size());
    for (int i = 0; i < prepared.size(); i++) {
      ConsumerRecord<byte[], byte[]> in = batch.get(i).record();
      RecognitionResult result = null;
      if (prepared.get(i) instanceof Prepared.Ready ready && outputs[i] != null) {
        try {
          result = result(ready, outputs[i], in, batchStartMs, inferenceMs, readyIdx.size());
        } catch (RuntimeException e) { // post-processing of this image failed: its own dead letter, the batch goes on
          prepared.set(i, new Prepared.Rejected(ErrorType.MODEL_ERROR, e, ready.request().getRequestId()));
        }
      }
      byte[] value = result == null ? null : serdes.recognitionResult().serialize(topics.recognitionResults(), result);
      if (value != null && !topics.fits(in.key(), value)) {
        // a result no broker would take would fail the transaction on every retry: it becomes this record's answer instead
        prepared.set(i, new Prepared.Rejected(ErrorType.RESULT_TOO_LARGE, new IllegalStateException("the result is " + value.length
            + " bytes, over the record limit of " + topics.maxRecordBytes() + " (ask for fewer tasks or boxes)"), result.getRequestId()));
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

  /** Reports a pass's graph times to the counters and metrics → its graphs' time (ns). */
  private long recorded(RecognitionPipeline.Batch b) {
    stats.inferenceNanos.addAndGet(b.graphNanos());
    stats.metrics.modelRun(b.modelNanos());
    if (b.crops() > 0) {
      stats.metrics.cropRun(b.crops());
      stats.metrics.cropRunTime(b.cropNanos());
    }
    return b.graphNanos();
  }

  /** A ready record's part of the pass → its result record, with what the request's tasks ask for. */
  private RecognitionResult result(Prepared.Ready ready, RecognitionPipeline.ImageOutputs image, ConsumerRecord<byte[], byte[]> in,
                                   long batchStartMs, double inferenceMs, int batchSize) {
    ImageRequest req = ready.request();
    RecognitionDecoder.Decoded d = pipeline.decode(image, req, ready.info().getWidth(), ready.info().getHeight());
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
