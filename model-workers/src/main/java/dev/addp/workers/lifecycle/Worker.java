package dev.addp.workers.lifecycle;

import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.TransactionalOutput;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A transactional consume-process-produce worker, recognition or generation: clients created (group
 * and transactional ids under the topic prefix), poll loop, one fault policy ({@link Fault}),
 * graceful drain, and the closing order. What it does with the records it polls is its
 * {@link RecordHandler}'s. A fatal error stops the worker with one clear line and leaves
 * {@link #failure()} set, which makes {@code addp serve} exit non-zero.
 */
public final class Worker implements Runnable, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Worker.class);

  private final String name;
  private final String workerId;
  private final WorkerClients clients;
  private final String topic;
  private final String groupId;
  private final String transactionalId;
  private final int maxPollRecords;
  private final FaultSettings faults;
  private final RecordHandler handler;
  private final FaultCounts counts;
  private final CountDownLatch assigned = new CountDownLatch(1);
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile boolean running = true;
  private volatile String failure;
  private volatile Consumer<byte[], byte[]> consumer;
  private int failedAttempts;

  /**
   * @param name the worker's kind: "recognition" or "generation" (in logs, the group and the transactional id)
   * @param prefix the deployment's topic prefix, so deployments on one cluster never share groups or ids
   */
  public Worker(String name, String workerId, WorkerClients clients, String prefix, String topic, int maxPollRecords,
                         FaultSettings faults, FaultCounts counts, RecordHandler handler) {
    this(name, new ClientIds(prefix).workerGroup(name), workerId, clients, prefix, topic, maxPollRecords, faults, counts, handler);
  }

  /** As above, in the consumer group {@code groupId} (a routed model's workers have their own). */
  public Worker(String name, String groupId, String workerId, WorkerClients clients, String prefix, String topic,
                         int maxPollRecords, FaultSettings faults, FaultCounts counts, RecordHandler handler) {
    this.name = name;
    this.workerId = workerId;
    this.clients = clients;
    this.topic = topic;
    ClientIds ids = new ClientIds(prefix); // the same names `addp acls` grants
    this.groupId = groupId;
    this.transactionalId = ids.workerTransactionalId(name, workerId);
    this.maxPollRecords = maxPollRecords;
    this.faults = faults;
    this.handler = handler;
    this.counts = counts;
  }

  public FaultCounts faultCounts() { return counts; }

  /** Waits until the worker owns partitions (it has joined its consumer group). */
  public boolean awaitAssignment(Duration timeout) throws InterruptedException {
    return assigned.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Why the worker stopped on its own, or null while it runs (or after a requested stop). */
  public String failure() { return failure; }

  @Override
  public void run() {
    TransactionalOutput output = null;
    try {
      consumer = clients.consumer(groupId, workerId, maxPollRecords);
      output = new TransactionalOutput(() -> clients.transactionalProducer(transactionalId));
      handler.open(consumer, output);
      consumer.subscribe(List.of(topic), new AssignmentSignal());
      while (running) {
        try {
          handler.handle(consumer.poll(Duration.ofMillis(handler.pollTimeoutMs())));
          failedAttempts = 0;
        } catch (WakeupException e) {
          // close() was called; the loop condition decides
        } catch (RuntimeException e) {
          if (!recover(e)) return;
        }
      }
      handler.drain();
    } catch (WakeupException e) {
      log.debug("{} worker {} woken while draining", name, workerId);
    } catch (RuntimeException e) {
      stop(e);
    } finally {
      closeQuietly(output);
    }
  }

  /** Stops polling; the loop drains (finishes and commits what it read) and closes the clients. */
  @Override
  public void close() {
    running = false;
    closing.countDown();
    Consumer<byte[], byte[]> c = consumer;
    if (c != null) c.wakeup();
  }

  /** Applies the fault policy; false when the worker must stop. */
  private boolean recover(RuntimeException e) {
    Fault fault = Fault.of(e);
    if (fault == Fault.FATAL) {
      stop(e);
      return false;
    }
    Duration wait;
    if (fault == Fault.REGISTRY_UNAVAILABLE) {
      wait = faults.registryBackoff();
      counts.registryPauses.incrementAndGet();
      log.warn("{} worker {}: schema registry unavailable, re-reading from the last commit in {} ms: {}", name, workerId,
          wait.toMillis(), e.getMessage());
    } else {
      failedAttempts++;
      if (failedAttempts > faults.maxRetries()) {
        stop(new IllegalStateException("gave up after " + faults.maxRetries() + " retries: " + describe(e), e));
        return false;
      }
      wait = faults.backoff(failedAttempts);
      counts.rewinds.incrementAndGet();
      log.warn("{} worker {}: transaction aborted (attempt {} of {}), re-reading from the last commit in {} ms: {}", name, workerId,
          failedAttempts, faults.maxRetries(), wait.toMillis(), describe(e));
    }
    try {
      handler.rewindToLastCommit();
    } catch (WakeupException w) {
      return running;
    } catch (RuntimeException again) {
      if (Fault.of(again) == Fault.FATAL) {
        stop(again);
        return false;
      }
      log.warn("{} worker {}: rewinding failed too, trying again: {}", name, workerId, describe(again));
    }
    pause(wait);
    return true;
  }

  private void stop(Throwable e) {
    failure = describe(e);
    log.error("{} worker {} stopped: {}", name, workerId, failure);
    log.debug("{} worker {} stopped by", name, workerId, e);
  }

  /** One line naming the cause: the exception's own message, and its root cause's when that says more. */
  static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    String line = e.getClass().getSimpleName() + ": " + e.getMessage();
    return root == e || (e.getMessage() != null && e.getMessage().contains(String.valueOf(root.getMessage()))) ? line
        : line + " (caused by " + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
  }

  /** Waits out a back-off, cut short by close(). */
  private void pause(Duration wait) {
    try {
      closing.await(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The consumer first: leaving the group revokes its partitions, and revocation commits through the producer. */
  private void closeQuietly(TransactionalOutput output) {
    try {
      if (consumer != null) consumer.close(Duration.ofSeconds(5));
    } catch (RuntimeException e) {
      log.debug("{} consumer close: {}", name, e.toString());
    }
    try {
      if (output != null) output.close();
    } catch (RuntimeException e) {
      log.debug("{} producer close: {}", name, e.toString());
    }
    try {
      handler.release();
    } catch (RuntimeException e) {
      log.debug("{} release: {}", name, e.toString());
    }
  }

  /** Passes rebalances to the handler and signals the first non-empty assignment. */
  private final class AssignmentSignal implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // after a fatal error nothing more may be committed: hand the partitions over as lost
      if (failure != null) handler.onPartitionsLost(partitions);
      else handler.onPartitionsRevoked(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      if (!partitions.isEmpty()) log.info("{} worker {} assigned {}", name, workerId, partitions);
      handler.onPartitionsAssigned(partitions);
      if (!partitions.isEmpty()) assigned.countDown();
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) { handler.onPartitionsLost(partitions); }
  }
}
