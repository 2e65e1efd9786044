package dev.addp.platform.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class CommittedEndTest {
  private static final TopicPartition P0 = new TopicPartition("t", 0);
  private static final TopicPartition P1 = new TopicPartition("t", 1);

  private static MockConsumer<String, String> consumer(long end0, long end1) {
    MockConsumer<String, String> c = new MockConsumer<>("earliest");
    c.assign(List.of(P0, P1));
    c.updateBeginningOffsets(Map.of(P0, 0L, P1, 0L));
    c.updateEndOffsets(Map.of(P0, end0, P1, end1));
    return c;
  }

  @Test
  void readsEveryRecordUpToTheEndOfEachPartition() {
    MockConsumer<String, String> c = consumer(2, 1);
    c.addRecord(new ConsumerRecord<>("t", 0, 0, "a", "1"));
    c.addRecord(new ConsumerRecord<>("t", 0, 1, "b", "2"));
    c.addRecord(new ConsumerRecord<>("t", 1, 0, "c", "3"));
    List<String> keys = new ArrayList<>();
    assertTrue(CommittedEnd.readToEnd(c, r -> keys.add(r.key()), Duration.ofSeconds(5)));
    assertEquals(List.of("a", "b", "c"), keys.stream().sorted().toList());
  }

  @Test
  void anEndThatIsNotReachedInTimeIsReportedNotIgnored() {
    MockConsumer<String, String> c = consumer(3, 0); // partition 0 says 3 records, only 1 arrives (an open transaction)
    c.addRecord(new ConsumerRecord<>("t", 0, 0, "a", "1"));
    List<String> keys = new ArrayList<>();
    assertFalse(CommittedEnd.readToEnd(c, r -> keys.add(r.key()), Duration.ofMillis(300)));
    assertEquals(List.of("a"), keys);
  }

  @Test
  void emptyPartitionsAreAtTheirEndAtOnce() {
    assertTrue(CommittedEnd.readToEnd(consumer(0, 0), r -> { }, Duration.ofSeconds(5)));
  }
}
