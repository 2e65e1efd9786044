package dev.addp.workers.lifecycle;

import dev.addp.platform.kafka.TransactionalOutput;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.Consumer;

/**
 * What one kind of worker does with the records it polls; the {@link Worker} owns the clients, the
 * loop, the fault policy and the shutdown order around it.
 */
public interface RecordHandler extends ConsumerRebalanceListener {
  /** Called once, with the clients created and the transactional producer initialised, before subscribing. */
  void open(Consumer<byte[], byte[]> consumer, TransactionalOutput output);

  /** How long the next poll may block. */
  long pollTimeoutMs();

  /** Takes what the poll returned (possibly nothing) and does the work that is due, committing as it goes. */
  void handle(ConsumerRecords<byte[], byte[]> records);

  /**
   * Forgets everything not yet committed and seeks every assigned partition back to its last
   * committed offset, so the uncommitted input is read again (the transaction was aborted).
   */
  void rewindToLastCommit();

  /** Graceful stop: finishes (bounded) and commits what was read. The clients are still open. */
  void drain();

  /** Releases what the handler itself holds, after the clients are closed. */
  default void release() { }
}
