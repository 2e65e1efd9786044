package dev.addp.platform.kafka;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * Reading up to a topic's current end: the condition a reader waits on to see "everything committed
 * by now" (late duplicates included) instead of a quiet window of some seconds. Under read_committed
 * the end offsets are the last stable offsets, so an open transaction holds the end back until it is
 * committed or aborted.
 */
public final class CommittedEnd {
  private CommittedEnd() { }

  /**
   * Polls until the consumer's position on every assigned partition reaches the end offset that
   * partition had when this was called, handing each record to {@code sink}.
   *
   * @return false if the time ran out first
   */
  public static <K, V> boolean readToEnd(org.apache.kafka.clients.consumer.Consumer<K, V> consumer,
                                         Consumer<ConsumerRecord<K, V>> sink, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (consumer.assignment().isEmpty() && System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(100)).forEach(sink);
    Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
    while (!reached(consumer, end)) {
      if (System.nanoTime() >= deadline) return false;
      consumer.poll(Duration.ofMillis(100)).forEach(sink);
    }
    return true;
  }

  private static boolean reached(org.apache.kafka.clients.consumer.Consumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    return !end.isEmpty() && end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }
}
