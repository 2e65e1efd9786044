package dev.addp.workers.recognition;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.RecognitionTimings;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.DeadLetters;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.kafka.TransactionalOutput;
import dev.addp.schemas.registry.RegistryUnavailableException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * recognition requests → (decode in parallel) → batch → classifier → results + dead letters, with
 * the consumed offsets committed in the same Kafka transaction as the records they produced.
 *
 * <p>One thread polls, batches, runs the model and commits; a pool decodes and preprocesses the
 * records already polled, so decoding overlaps with inference. A crash before a commit leaves the
 * batch uncommitted and it is processed again; a commit never covers a record without its result.
 */
public final class RecognitionWorker implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecognitionWorker.class);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);

  private final KafkaClients clients;
  private final Topics topics;
  private final AvroSerdes serdes;
  private final RecordPreparer preparer;
  private final Classifier classifier;
  private final BatchPolicy policy;
  private final DeadLetters deadLetters;
  private final String workerId;
  private final ExecutorService decodePool;
  private final WorkerStats stats = new WorkerStats();
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final float[] batchInput;
  private volatile boolean running = true;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private TransactionalOutput output;
  private boolean paused;
  private final java.util.concurrent.CountDownLatch assigned = new java.util.concurrent.CountDownLatch(1);

  private record Pending(ConsumerRecord<byte[], byte[]> record, Future<Prepared> prepared, long arrivedNanos) { }

  public RecognitionWorker(KafkaClients clients, AvroSerdes serdes, Classifier classifier, BatchPolicy policy,
                           ImageDecoder decoder, String workerId, ExecutorService decodePool) {
    this.clients = clients;
    this.topics = Topics.from(clients.config());
    this.serdes = serdes;
    this.preparer = new RecordPreparer(serdes.imageRequest(), decoder, classifier);
    this.classifier = classifier;
    this.policy = policy;
    this.workerId = workerId;
    this.decodePool = decodePool;
    this.deadLetters = new DeadLetters("recognition", workerId,
        clients.config().getInt("deadletter.max.original.bytes", DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES));
    this.batchInput = new float[policy.maxBatch() * classifier.preprocessor().inputLength()];
  }

  public WorkerStats stats() { return stats; }

  /** Waits until the worker owns partitions (it has joined its consumer group). */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return assigned.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  @Override
  public void run() {
    // Group and transactional ids carry the topic prefix, so separate deployments on one cluster never meet.
    String group = topics.prefix() + "recognition-workers";
    consumer = clients.transactionalInputConsumer(group, workerId, policy.maxInFlight());
    try {
      output = new TransactionalOutput(clients.transactionalProducer(topics.prefix() + "recognition-" + workerId));
      consumer.subscribe(List.of(topics.recognitionRequests()), new Rebalance());
      log.info("recognition worker {} running {} {} on {}", workerId, classifier.lineage().getName(),
          classifier.lineage().getVersion(), classifier.provider());
      while (running) {
        try {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(policy.pollTimeoutMs(pending.size(), oldestWaitedMs())))) {
            pending.add(new Pending(r, decodePool.submit(() -> preparer.prepare(r)), System.nanoTime()));
          }
        } catch (WakeupException e) {
          continue; // close() was called; the loop condition decides
        }
        applyBackpressure();
        while (policy.due(pending.size(), oldestWaitedMs())) processBatch();
      }
      drain();
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      log.error("recognition worker {} was fenced by a newer instance with the same id; stopping", workerId);
    } catch (RuntimeException e) {
      log.error("recognition worker {} failed", workerId, e);
      throw e;
    } finally {
      closeQuietly();
    }
  }

  /** Stops polling, finishes the records already read (bounded), commits, and closes the clients. */
  @Override
  public void close() {
    running = false;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) c.wakeup();
  }

  private void drain() {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    while (!pending.isEmpty() && System.nanoTime() < deadline) processBatch();
    if (!pending.isEmpty()) log.warn("{} records left uncommitted at shutdown; they will be processed again", pending.size());
  }

  private void processBatch() {
    List<Pending> batch = new ArrayList<>();
    while (batch.size() < policy.maxBatch() && !pending.isEmpty()) batch.add(pending.poll());
    List<Prepared> prepared = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      Prepared pr = await(p.prepared());
      if (pr instanceof Prepared.Retry retry) {
        log.warn("cannot process now, will retry: {}", retry.error().toString());
        rewind(batch);
        sleep(1000);
        return;
      }
      prepared.add(pr);
    }
    long batchStartMs = System.currentTimeMillis();
    List<ProducerRecord<byte[], byte[]>> out;
    try {
      out = infer(batch, prepared, batchStartMs);
    } catch (RegistryUnavailableException e) {
      log.warn("cannot write results now, will retry: {}", e.toString());
      rewind(batch);
      sleep(1000);
      return;
    }
    try {
      output.commit(out, offsetsAfter(batch), consumer.groupMetadata());
    } catch (ProducerFencedException | InvalidProducerEpochException e) {
      throw e;
    } catch (KafkaException e) {
      log.warn("transaction aborted, re-reading the batch: {}", e.toString());
      stats.abortedTransactions.incrementAndGet();
      rewind(batch);
      return;
    }
    for (Prepared p : prepared) {
      if (p instanceof Prepared.Ready) stats.results.incrementAndGet();
      else stats.deadLetters.incrementAndGet();
    }
    stats.batches.incrementAndGet();
  }

  /** Runs the model on the batch's ready records and builds every output record, in input order. */
  private List<ProducerRecord<byte[], byte[]>> infer(List<Pending> batch, List<Prepared> prepared, long batchStartMs) {
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
      Prepared p = prepared.get(i);
      if (p instanceof Prepared.Ready ready && logits[i] != null) {
        RecognitionResult result = result(ready, logits[i], in, batchStartMs, inferenceMs, readyIdx.size());
        out.add(new ProducerRecord<>(topics.recognitionResults(), in.key(),
            serdes.recognitionResult().serialize(topics.recognitionResults(), result)));
      } else {
        Prepared.Rejected rej = (Prepared.Rejected) prepared.get(i);
        DeadLetter dl = deadLetters.of(rej.type(), rej.error(), in.topic(), in.partition(), in.offset(), in.timestamp(),
            in.key(), in.value(), rej.requestId());
        out.add(new ProducerRecord<>(topics.deadLetters(), in.key(), serdes.deadLetter().serialize(topics.deadLetters(), dl)));
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

  private static Map<TopicPartition, OffsetAndMetadata> offsetsAfter(List<Pending> batch) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (Pending p : batch) {
      TopicPartition tp = new TopicPartition(p.record().topic(), p.record().partition());
      offsets.merge(tp, new OffsetAndMetadata(p.record().offset() + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    return offsets;
  }

  /** Forgets the batch and everything read after it on the same partitions, and seeks back to re-read them. */
  private void rewind(List<Pending> batch) {
    Map<TopicPartition, Long> first = new HashMap<>();
    for (Pending p : batch) first.merge(tp(p), p.record().offset(), Math::min);
    pending.removeIf(p -> {
      if (!first.containsKey(tp(p))) return false;
      first.merge(tp(p), p.record().offset(), Math::min);
      return true;
    });
    first.forEach(consumer::seek);
  }

  private void applyBackpressure() {
    if (!paused && policy.shouldPause(pending.size())) {
      consumer.pause(consumer.assignment());
      paused = true;
    } else if (paused && policy.shouldResume(pending.size())) {
      consumer.resume(consumer.paused());
      paused = false;
    }
  }

  private long oldestWaitedMs() {
    Pending head = pending.peek();
    return head == null ? 0 : (System.nanoTime() - head.arrivedNanos()) / 1_000_000;
  }

  private static TopicPartition tp(Pending p) { return new TopicPartition(p.record().topic(), p.record().partition()); }

  private static Prepared await(Future<Prepared> f) {
    try {
      return f.get();
    } catch (ExecutionException e) {
      return new Prepared.Rejected(ErrorType.INTERNAL, e.getCause(), null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Prepared.Retry(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeQuietly() {
    try {
      if (output != null) output.close();
    } catch (RuntimeException e) {
      log.debug("producer close: {}", e.toString());
    }
    try {
      if (consumer != null) consumer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.debug("consumer close: {}", e.toString());
    }
  }

  /** Drops what was read from partitions this worker no longer owns: their new owner reads them again. */
  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      pending.removeIf(p -> partitions.contains(tp(p)));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) log.info("recognition worker {} assigned {}", workerId, partitions);
      if (paused) consumer.pause(partitions);
      if (!partitions.isEmpty()) assigned.countDown();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) { onPartitionsRevoked(partitions); }
  }
}
