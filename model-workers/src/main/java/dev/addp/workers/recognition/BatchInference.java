package dev.addp.workers.recognition;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.RecognitionTimings;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.DeadLetters;
import dev.addp.platform.kafka.Topics;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Head running and record building, on the inference thread: one model run over a batch's ready
 * inputs, then one output record per input record, in input order (a result, or a dead letter with
 * its typed reason). Owns the batch input buffer, so one instance serves one thread.
 */
final class BatchInference {
  private static final Logger log = LoggerFactory.getLogger(BatchInference.class);

  private final Classifier classifier;
  private final Topics topics;
  private final AvroSerdes serdes;
  private final DeadLetters deadLetters;
  private final String workerId;
  private final WorkerStats stats;
  private final float[] batchInput;

  BatchInference(Classifier classifier, int maxBatch, Topics topics, AvroSerdes serdes, DeadLetters deadLetters, String workerId,
                 WorkerStats stats) {
    this.classifier = classifier;
    this.topics = topics;
    this.serdes = serdes;
    this.deadLetters = deadLetters;
    this.workerId = workerId;
    this.stats = stats;
    this.batchInput = new float[maxBatch * classifier.preprocessor().inputLength()];
  }

  /** Runs the model on the batch's ready records and builds every output record, in input order. */
  List<ProducerRecord<byte[], byte[]>> run(List<PendingRecord> batch, List<Prepared> prepared, long batchStartMs) {
    int len = classifier.preprocessor().inputLength();
    List<Integer> readyIdx = new ArrayList<>();
    for (int i = 0; i < prepared.size(); i++) {
      if (prepared.get(i) instanceof Prepared.Ready ready) {
        System.arraycopy(ready.input(), 0, batchInput, readyIdx.size() * len, len);
        readyIdx.add(i);
      }
    }
    float[][] logits = new float[prepared.size()][];
    double inferenceMs = 0;
    if (!readyIdx.isEmpty()) {
      long t0 = System.nanoTime();
      try {
        float[][] l = classifier.run(batchInput, readyIdx.size()).logits();
        for (int j = 0; j < readyIdx.size(); j++) logits[readyIdx.get(j)] = l[j];
      } catch (Exception e) {
        log.warn("batch of {} failed in the model ({}); retrying one by one", readyIdx.size(), e.toString());
        for (int i : readyIdx) logits[i] = runAlone((Prepared.Ready) prepared.get(i), prepared, i);
      }
      long nanos = System.nanoTime() - t0;
      stats.inferenceNanos.addAndGet(nanos);
      inferenceMs = nanos / 1e6;
    }
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(prepared.size());
    for (int i = 0; i < prepared.size(); i++) {
      ConsumerRecord<byte[], byte[]> in = batch.get(i).record();
      if (prepared.get(i) instanceof Prepared.Ready ready && logits[i] != null) {
        RecognitionResult result = result(ready, logits[i], in, batchStartMs, inferenceMs, readyIdx.size());
        out.add(new ProducerRecord<>(topics.recognitionResults(), in.key(),
            serdes.recognitionResult().serialize(topics.recognitionResults(), result)));
      } else {
        out.add(deadLetter((Prepared.Rejected) prepared.get(i), in));
      }
    }
    return out;
  }

  /** A record the batch run failed on, run alone; if it fails again it becomes a MODEL_ERROR dead letter. */
  private float[] runAlone(Prepared.Ready ready, List<Prepared> prepared, int i) {
    try {
      return classifier.run(ready.input(), 1).logits()[0];
    } catch (Exception e) {
      prepared.set(i, new Prepared.Rejected(ErrorType.MODEL_ERROR, e, ready.request().getRequestId()));
      return null;
    }
  }

  private RecognitionResult result(Prepared.Ready ready, float[] logits, ConsumerRecord<byte[], byte[]> in,
                                   long batchStartMs, double inferenceMs, int batchSize) {
    ImageRequest req = ready.request();
    return RecognitionResult.newBuilder()
        .setRequestId(req.getRequestId())
        .setDataset(req.getDataset())
        .setModel(classifier.lineage())
        .setImage(ready.info())
        .setClassifications(classifier.topK(logits, req.getTopK()).stream()
            .filter(c -> c.getScore() >= req.getScoreThreshold()).toList())
        .setBoxes(List.of())
        .setMasks(List.of())
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
