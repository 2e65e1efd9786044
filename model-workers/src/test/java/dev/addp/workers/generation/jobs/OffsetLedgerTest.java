package dev.addp.workers.generation.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class OffsetLedgerTest {
  private static final TopicPartition P0 = new TopicPartition("requests", 0);
  private static final TopicPartition P1 = new TopicPartition("requests", 1);

  private final OffsetLedger ledger = new OffsetLedger();

  @Test
  void aRequestAnsweredAtOnceMovesThePositionPastIt() {
    assertThat(ledger.moved()).isFalse();
    ledger.read(P0, 4);
    ledger.read(P0, 5);
    assertThat(ledger.moved()).isTrue();
    assertThat(ledger.committable(List.of(P0, P1))).isEqualTo(Map.of(P0, new OffsetAndMetadata(6)));
  }

  @Test
  void anOpenJobHoldsItsPartitionAtItsOffsetUntilItEnds() {
    ledger.read(P0, 3);
    ledger.open(P0, 3);
    ledger.read(P0, 4);
    ledger.open(P0, 4);
    ledger.read(P0, 5); // answered at once, behind the open jobs
    assertThat(ledger.committable(List.of(P0))).isEqualTo(Map.of(P0, new OffsetAndMetadata(3)));
    ledger.close(P0, 4); // a later job ending first moves nothing
    assertThat(ledger.committable(List.of(P0))).isEqualTo(Map.of(P0, new OffsetAndMetadata(3)));
    ledger.close(P0, 3);
    assertThat(ledger.committable(List.of(P0))).isEqualTo(Map.of(P0, new OffsetAndMetadata(6)));
  }

  @Test
  void onlyAssignedPartitionsAreCommittedAndACommitClearsTheMovedFlag() {
    ledger.read(P0, 0);
    ledger.read(P1, 9);
    assertThat(ledger.committable(List.of(P1))).isEqualTo(Map.of(P1, new OffsetAndMetadata(10)));
    ledger.committed();
    assertThat(ledger.moved()).isFalse();
    assertThat(ledger.committable(List.of(P1))).as("the position stays after a commit").isEqualTo(Map.of(P1, new OffsetAndMetadata(10)));
  }

  @Test
  void forgottenPartitionsAndAClearedLedgerHaveNothingToCommit() {
    ledger.read(P0, 0);
    ledger.open(P0, 0);
    ledger.read(P1, 2);
    ledger.forget(List.of(P0));
    assertThat(ledger.committable(List.of(P0, P1))).isEqualTo(Map.of(P1, new OffsetAndMetadata(3)));
    ledger.clear();
    assertThat(ledger.moved()).isFalse();
    assertThat(ledger.committable(List.of(P0, P1))).isEmpty();
  }
}
