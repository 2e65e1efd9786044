package dev.addp.workers.generation.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.CancelCommand;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a worker keeps of the cancel topic: bounded in count and time, valid job ids only. */
class CancelWatcherBoundsTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AddpConfig config = AddpConfig.of(Map.of(AddpConfig.BOOTSTRAP_SERVERS, "127.0.0.1:1", AddpConfig.REGISTRY_URL,
      "http://127.0.0.1:1"));
  private final CancelWatcher watcher = new CancelWatcher(new KafkaClients(config), AvroSerdes.from(config), id -> { }, 1000, 60_000,
      now::get);

  @AfterEach
  void close() throws InterruptedException { watcher.close(); }

  private static CancelCommand cancel(String job) { return new CancelCommand(job, "test", 0L); }

  @Test
  void aFloodOfRandomIdsKeepsAtMostTheBoundAndTheLatestCancelsStillCount() {
    for (int i = 0; i < 100_000; i++) watcher.keep(cancel("r-" + UUID.randomUUID()), now.get());
    assertThat(watcher.size()).isEqualTo(1000);
    assertThat(watcher.keep(cancel("real-job"), now.get())).isTrue();
    assertThat(watcher.isCancelled("real-job")).isTrue();
    assertThat(watcher.reason("real-job")).isEqualTo("test");
    assertThat(watcher.size()).isEqualTo(1000);
  }

  @Test
  void aCancelCountsForItsTimeOnlySoAnIdCannotBePreCancelledForever() {
    watcher.keep(cancel("later-job"), now.get());
    assertThat(watcher.isCancelled("later-job")).isTrue();
    now.addAndGet(60_001);
    assertThat(watcher.isCancelled("later-job")).isFalse();
    assertThat(watcher.keep(cancel("old"), now.get() - 120_000)).as("written long ago (read back after a restart)").isFalse();
    assertThat(watcher.isCancelled("old")).isFalse();
  }

  @Test
  void aTombstoneWrittenAtTheJobsEndDropsItsCancel() {
    watcher.keep(cancel("ended-job"), now.get());
    watcher.keep(cancel("other-job"), now.get());
    watcher.forget("ended-job".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    watcher.forget(null);
    assertThat(watcher.isCancelled("ended-job")).isFalse();
    assertThat(watcher.isCancelled("other-job")).isTrue();
    assertThat(watcher.size()).isOne();
  }

  @Test
  void invalidJobIdsAreNotKept() {
    assertThat(watcher.keep(cancel(".."), now.get())).isFalse();
    assertThat(watcher.keep(cancel("a/b"), now.get())).isFalse();
    assertThat(watcher.keep(cancel("x".repeat(300)), now.get())).isFalse();
    assertThat(watcher.keep(null, now.get())).isFalse();
    assertThat(watcher.size()).isZero();
  }
}
