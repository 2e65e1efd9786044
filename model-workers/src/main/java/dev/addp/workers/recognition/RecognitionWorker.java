package dev.addp.workers.recognition;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.RecognitionTimings;
import dev.addp.avro.Task;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.DeadLetters;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.kafka.TransactionalOutput;
import dev.addp.schemas.registry.RegistryUnavailableException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
 * recognition requests → (decode in parallel) → batch → the model (one run, the heads the batch needs) → results + dead letters, with
 * the consumed offsets committed in the same Kafka transaction as the records they produced.
 *
 * <p>Three stages overlap: a pool decodes and preprocesses the records already polled; one
 * inference thread runs the model and builds the output records; the polling thread forms batches
 * and commits the finished ones, in order, while the model works on the next batch (a commit is a
 * few broker round trips, and the model would otherwise sit idle through them). A crash before a
 * commit leaves the batch uncommitted and it is processed again; a commit never covers a record
 * without its result.
 */
public final class RecognitionWorker implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecognitionWorker.class);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(20);
  /** Batches between "taken for the model" and "committed": one in the model, one queued behind it. */
  private static final int MAX_OPEN_BATCHES = 2;
  /** Poll timeout while a batch is open, so a finished batch is committed without waiting out an idle poll. */
  private static final long OPEN_BATCH_POLL_MS = 1;

  private final KafkaClients clients;
  private final Topics topics;
  private final AvroSerdes serdes;
  private final RecordPreparer preparer;
  private final RecognitionModel model;
  private final RecognitionDecoder decoder;
  private final BatchPolicy policy;
  private final DeadLetters deadLetters;
  private final String workerId;
  private final ExecutorService decodePool;
  private final WorkerStats stats = new WorkerStats();
  private final ArrayDeque<Pending> pending = new ArrayDeque<>();
  private final ArrayDeque<Batch> open = new ArrayDeque<>();
  /** One thread: the model runs one batch at a time, and {@link #batchInput} belongs to it. */
  private final ExecutorService inference;
  private final float[] batchInput;
  private volatile boolean running = true;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private TransactionalOutput output;
  private boolean paused;
  private final java.util.concurrent.CountDownLatch assigned = new java.util.concurrent.CountDownLatch(1);

  private record Pending(ConsumerRecord<byte[], byte[]> record, Future<Prepared> prepared, long arrivedNanos) { }

  /** Records taken for the model, what decoding made of them, and the output records once the model ran. */
  private record Batch(List<Pending> records, List<Prepared> prepared, Future<List<ProducerRecord<byte[], byte[]>>> output) { }

  public RecognitionWorker(KafkaClients clients, AvroSerdes serdes, RecognitionModel model, BatchPolicy policy,
                           ImageDecoder decoder, String workerId, ExecutorService decodePool) {
    this.clients = clients;
    this.topics = Topics.from(clients.config());
    this.serdes = serdes;
    this.preparer = new RecordPreparer(serdes.imageRequest(), decoder, model);
    this.model = model;
    this.decoder = new RecognitionDecoder(model.manifest(), model.spec());
    this.policy = policy;
    this.workerId = workerId;
    this.decodePool = decodePool;
    this.deadLetters = new DeadLetters("recognition", workerId,
        clients.config().getInt("deadletter.max.original.bytes", DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES));
    this.batchInput = new float[policy.maxBatch() * model.preprocessor().inputLength()];
    this.inference = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "recognition-inference");
      t.setDaemon(true);
      return t;
    });
  }

  public WorkerStats stats() { return stats; }

  /** Waits until the worker owns partitions (it has joined its consumer group). */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void run() {
    // Group and transactional ids carry the topic prefix, so separate deployments on one cluster never meet.
    // a routed model's workers read its own requests topic, as their own group
    String name = model.lineage().getName();
    boolean routed = topics.routedModels().contains(name);
    String requests = topics.recognitionRequestsFor(name);
    ClientIds ids = ClientIds.from(clients.config());
    String group = routed ? ids.recognitionGroupFor(name) : ids.recognitionGroup();
    consumer = clients.transactionalInputConsumer(group, workerId, policy.maxInFlight());
    try {
      output = new TransactionalOutput(clients.transactionalProducer(ClientIds.from(clients.config()).recognitionTransactionalId(workerId)));
      consumer.subscribe(List.of(requests), new Rebalance());
      log.info("recognition worker {} running {} {} ({}) on {}, reading {}", workerId, name,
          model.lineage().getVersion(), model.tasks(), model.provider(), requests);
      while (running) {
        long timeout = policy.pollTimeoutMs(pending.size(), oldestWaitedMs());
        if (!open.isEmpty()) timeout = Math.min(timeout, OPEN_BATCH_POLL_MS);
        try {
          for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(timeout))) {
            pending.add(new Pending(r, decodePool.submit(() -> preparer.prepare(r)), System.nanoTime()));
          }
        } catch (WakeupException e) {
          continue; // close() was called; the loop condition decides
        }
        applyBackpressure();
        while (open.size() < MAX_OPEN_BATCHES && policy.due(pending.size(), oldestWaitedMs())) startBatch();
        commitFinished(open.size() >= MAX_OPEN_BATCHES);
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
    while ((!pending.isEmpty() || !open.isEmpty()) && System.nanoTime() < deadline) {
      if (!pending.isEmpty() && open.size() < MAX_OPEN_BATCHES) startBatch();
      else commitFinished(true);
    }
    int left = pending.size() + open.stream().mapToInt(b -> b.records().size()).sum();
    if (left > 0) log.warn("{} records left uncommitted at shutdown; they will be processed again", left);
    abandonOpen(List.of(), false);
  }

  /** Takes the next batch from the waiting records and queues it for the model. */
  private void startBatch() {
    List<Pending> records = new ArrayList<>();
    while (records.size() < policy.maxBatch() && !pending.isEmpty()) records.add(pending.poll());
    List<Prepared> prepared = new ArrayList<>(records.size());
    for (Pending p : records) {
      Prepared pr = await(p.prepared());
      if (pr instanceof Prepared.Retry retry) {
        log.warn("cannot process now, will retry: {}", retry.error().toString());
        rewind(records, List.of());
        sleep(1000);
        return;
      }
      prepared.add(pr);
    }
    long batchStartMs = System.currentTimeMillis();
    open.add(new Batch(records, prepared, inference.submit(() -> infer(records, prepared, batchStartMs))));
  }

  /**
   * Commits the open batches whose output is ready, oldest first (offsets must advance in order);
   * with {@code waitForOldest} it first waits for the oldest one. A batch that cannot be written
   * or committed is re-read, with every open batch after it.
   */
  private void commitFinished(boolean waitForOldest) {
    while (!open.isEmpty() && (waitForOldest || open.peek().output().isDone())) {
      waitForOldest = false;
      Batch batch = open.peek();
      List<ProducerRecord<byte[], byte[]>> out;
      try {
        out = batch.output().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RegistryUnavailableException)) throw asRuntime(e.getCause());
        log.warn("cannot write results now, will retry: {}", e.getCause().toString());
        abandonOpen(List.of(), true);
        sleep(1000);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        abandonOpen(List.of(), true);
        return;
      }
      try {
        output.commit(out, offsetsAfter(batch.records()), consumer.groupMetadata());
      } catch (ProducerFencedException | InvalidProducerEpochException e) {
        throw e;
      } catch (KafkaException e) {
        log.warn("transaction aborted, re-reading the batch: {}", e.toString());
        stats.abortedTransactions.incrementAndGet();
        abandonOpen(List.of(), true);
        return;
      }
      open.poll();
      for (Prepared p : batch.prepared()) {
        if (p instanceof Prepared.Ready) stats.results.incrementAndGet();
        else stats.deadLetters.incrementAndGet();
      }
      stats.batches.incrementAndGet();
    }
  }

  /**
   * Drops every open batch (a queued one never runs; one already in the model finishes on the
   * inference thread and its output is discarded); with {@code reread}, seeks back so the records
   * (and everything read after them) are read again, except on the {@code gone} partitions.
   */
  private void abandonOpen(Collection<TopicPartition> gone, boolean reread) {
    List<Pending> records = new ArrayList<>();
    for (Batch b : open) {
      b.output().cancel(false);
      records.addAll(b.records());
    }
    open.clear();
    if (reread) rewind(records, gone);
  }

  /** Runs the model on the batch's ready records and builds every output record, in input order. */
  private List<ProducerRecord<byte[], byte[]>> infer(List<Pending> batch, List<Prepared> prepared, long batchStartMs) {
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
      inferenceMs = nanos / 1e6;
    }
    List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(prepared.size());
    for (int i = 0; i < prepared.size(); i++) {
      ConsumerRecord<byte[], byte[]> in = batch.get(i).record();
      Prepared p = prepared.get(i);
      RecognitionResult result = null;
      if (p instanceof Prepared.Ready ready && outputs[i] != null) {
        try {
          result = result(ready, outputs[i], slot[i], in, batchStartMs, inferenceMs, readyIdx.size());
        } catch (RuntimeException e) {
          prepared.set(i, new Prepared.Rejected(ErrorType.MODEL_ERROR, e, ready.request().getRequestId()));
        }
      }
      if (result != null) {
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

  private static Map<TopicPartition, OffsetAndMetadata> offsetsAfter(List<Pending> batch) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    for (Pending p : batch) {
      TopicPartition tp = new TopicPartition(p.record().topic(), p.record().partition());
      offsets.merge(tp, new OffsetAndMetadata(p.record().offset() + 1), (a, b) -> a.offset() >= b.offset() ? a : b);
    }
    return offsets;
  }

  /**
   * Forgets these records and everything read after them on the same partitions, and seeks back to
   * read them again (except on the {@code gone} partitions, which this worker no longer owns).
   */
  private void rewind(List<Pending> records, Collection<TopicPartition> gone) {
    Map<TopicPartition, Long> first = new HashMap<>();
    for (Pending p : records) first.merge(tp(p), p.record().offset(), Math::min);
    pending.removeIf(p -> {
      if (!first.containsKey(tp(p))) return false;
      first.merge(tp(p), p.record().offset(), Math::min);
      return true;
    });
    first.forEach((tp, offset) -> {
      if (!gone.contains(tp) && consumer.assignment().contains(tp)) consumer.seek(tp, offset);
    });
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

  private static RuntimeException asRuntime(Throwable t) {
    return t instanceof RuntimeException r ? r : new IllegalStateException(t);
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeQuietly() {
    inference.shutdownNow();
    try {
      if (!inference.awaitTermination(30, TimeUnit.SECONDS)) log.warn("the model is still running at shutdown");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
      // commit what the model already answered while the group still lets this worker commit
      while (!open.isEmpty()) commitFinished(true);
      pending.removeIf(p -> partitions.contains(tp(p)));
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) log.info("recognition worker {} assigned {}", workerId, partitions);
      if (paused) consumer.pause(partitions);
      if (!partitions.isEmpty()) assigned.countDown();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      // the group moved on without this worker: it may no longer commit; its new owners re-read
      abandonOpen(partitions, true);
      pending.removeIf(p -> partitions.contains(tp(p)));
    }
  }
}
