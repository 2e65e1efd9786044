package dev.addp.workers.recognition;

import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What the {@link OrderedCommitter} runs on its inference thread: a taken batch → one output record
 * per input record, in input order. {@link BatchInference} in a worker; the committer's own tests
 * answer without a model.
 */
@FunctionalInterface
interface InferenceStage {
  List<ProducerRecord<byte[], byte[]>> run(List<PendingRecord> batch, List<Prepared> prepared, long batchStartMs);
}
