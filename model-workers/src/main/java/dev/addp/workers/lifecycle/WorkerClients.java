package dev.addp.workers.lifecycle;

import dev.addp.platform.kafka.KafkaClients;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/** The two clients a worker's lifecycle creates: its group consumer and its transactional producer. */
public interface WorkerClients {
  Consumer<byte[], byte[]> consumer(String groupId, String clientId, int maxPollRecords);

  Producer<byte[], byte[]> transactionalProducer(String transactionalId);

  /** The real clients, configured from the service's configuration. */
  static WorkerClients of(KafkaClients clients) {
    return new WorkerClients() {
      @Override
      public Consumer<byte[], byte[]> consumer(String groupId, String clientId, int maxPollRecords) {
        return clients.transactionalInputConsumer(groupId, clientId, maxPollRecords);
      }

      @Override
      public Producer<byte[], byte[]> transactionalProducer(String transactionalId) {
        return clients.transactionalProducer(transactionalId);
      }
    };
  }
}
