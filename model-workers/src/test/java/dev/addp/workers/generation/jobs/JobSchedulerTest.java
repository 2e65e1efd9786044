package dev.addp.workers.generation.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.generation.ImageTrack;
import dev.addp.workers.generation.LoopSettings;
import dev.addp.workers.generation.Schedule;
import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.onnx.Device;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class JobSchedulerTest {
  private static GenerationModel model;
  private static GenerationLoop loop;
  private static final TopicPartition TP = new TopicPartition("requests", 0);

  @BeforeAll
  static void open() throws Exception {
    model = new GenerationModel(ZooFixtures.modelDir(), Device.CPU, 1);
    loop = new GenerationLoop(model, 8);
  }

  @AfterAll
  static void close() throws Exception { model.close(); }

  private static Job job(String id, int count, int priority, long offset) {
    return job(id, count, priority, offset, System.nanoTime());
  }

  private static Job job(String id, int count, int priority, long offset, long queuedAtNanos) {
    return new Job(new JobSpec(id, count, new LoopSettings(4, Schedule.COSINE, 1, 6), 1, priority, null, 0, 0), TP, offset, 1,
        queuedAtNanos);
  }

  @Test
  void runningImagesKeepTheirPlacesAndFreePlacesGoByPriorityThenArrival() throws Exception {
    JobScheduler s = new JobScheduler(8, 1_000_000);
    Job first = job("first", 6, 0, 0);
    s.add(first);
    assertThat(s.nextBatch(loop)).hasSize(6);
    Job low = job("low", 4, 0, 1);
    Job high = job("high", 4, 5, 2);
    s.add(low);
    s.add(high);
    List<ImageTrack> batch = s.nextBatch(loop);
    assertThat(batch).hasSize(8);
    assertThat(first.admitted()).isEqualTo(6);
    assertThat(high.admitted()).isEqualTo(2);
    assertThat(low.admitted()).isZero();
    while (!first.finished()) loop.step(s.nextBatch(loop));
    s.remove("first");
    s.nextBatch(loop);
    assertThat(high.admitted()).isEqualTo(4);
    assertThat(low.admitted()).isEqualTo(4);
  }

  @Test
  void waitingRaisesPrioritySoNoJobStarves() throws Exception {
    AtomicLong clock = new AtomicLong(1_000_000_000L);
    JobScheduler s = new JobScheduler(1, 10, clock::get);
    Job old = job("old", 1, 0, 0, clock.get());
    s.add(old);
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(120)); // 12 aging periods: effective priority 12
    Job urgent = job("urgent", 1, 5, 1, clock.get());
    s.add(urgent);
    assertThat(s.effectivePriority(old, clock.get())).isEqualTo(12.0);
    assertThat(s.effectivePriority(urgent, clock.get())).isEqualTo(5.0);
    s.nextBatch(loop); // one free place: it goes to the job that has waited, despite its lower priority
    assertThat(old.admitted()).isEqualTo(1);
    assertThat(urgent.admitted()).isZero();
  }

  @Test
  void withoutWaitingTheHigherPriorityGoesFirst() throws Exception {
    AtomicLong clock = new AtomicLong(1_000_000_000L);
    JobScheduler s = new JobScheduler(1, 10, clock::get);
    Job old = job("old", 1, 0, 0, clock.get());
    s.add(old);
    clock.addAndGet(TimeUnit.MILLISECONDS.toNanos(40)); // 4 aging periods: still below 5
    Job urgent = job("urgent", 1, 5, 1, clock.get());
    s.add(urgent);
    s.nextBatch(loop);
    assertThat(urgent.admitted()).isEqualTo(1);
    assertThat(old.admitted()).isZero();
  }
}
