package dev.addp.workers.lifecycle;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/** Seeks a consumer back to its group's last committed offsets, as the Kafka exactly-once example does after an abort. */
public final class Rewind {
  private Rewind() { }

  public static void toLastCommit(Consumer<?, ?> consumer) {
    Set<TopicPartition> assignment = consumer.assignment();
    if (assignment.isEmpty()) return;
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assignment);
    for (TopicPartition tp : assignment) {
      OffsetAndMetadata at = committed.get(tp);
      if (at != null) consumer.seek(tp, at.offset());
      else consumer.seekToBeginning(List.of(tp)); // nothing committed yet: input is read from the start (auto.offset.reset=earliest)
    }
  }
}
