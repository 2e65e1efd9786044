package dev.addp.workers.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BatchPolicyTest {
  private final BatchPolicy policy = new BatchPolicy(8, 20, 64);

  @Test
  void batchIsDueWhenFullOrWhenTheOldestRecordHasWaitedLongEnough() {
    assertThat(policy.due(0, 1000)).isFalse();
    assertThat(policy.due(3, 5)).isFalse();
    assertThat(policy.due(3, 20)).isTrue();
    assertThat(policy.due(8, 0)).isTrue();
  }

  @Test
  void pollNeverBlocksPastTheOldestRecordsDeadline() {
    assertThat(policy.pollTimeoutMs(0, 0)).isEqualTo(100);
    assertThat(policy.pollTimeoutMs(2, 15)).isEqualTo(5);
    assertThat(policy.pollTimeoutMs(2, 50)).isZero();
  }

  @Test
  void pausesAtTheInFlightLimitAndResumesBelowHalf() {
    assertThat(policy.shouldPause(63)).isFalse();
    assertThat(policy.shouldPause(64)).isTrue();
    assertThat(policy.shouldResume(40)).isFalse();
    assertThat(policy.shouldResume(31)).isTrue();
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new BatchPolicy(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new BatchPolicy(16, 1, 8)).isInstanceOf(IllegalArgumentException.class);
  }
}
