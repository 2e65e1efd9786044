package dev.addp.systemtest.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.GenerationClient.JobOutcome;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.JobState;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.Schedule;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.JobStates;
import dev.addp.systemtest.support.PacedRequests;
import dev.addp.systemtest.support.ResultArrivals;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.systemtest.support.TopicReader;
import dev.addp.systemtest.support.WorkerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A fleet of workers in their own JVMs under steady recognition load. Recognition: two start, a
 * third joins late, one is SIGKILLed, and the other first one is restarted (rolling); every
 * acknowledged request is answered exactly once, the partitions end spread over the live workers,
 * and the longest time one partition went without a result around each change (the rebalance
 * pause) is printed with the time the group took to settle. Generation: two workers, and the one
 * running a job is SIGKILLed at the job's first progress event; the job SUCCEEDED on the other
 * with one terminal event and one result per image ({@code GenerationCrashIT} also checks the
 * images of such a rerun). The consumer group protocol is {@code addp.it.group.protocol}
 * ({@code classic}, the default, or {@code consumer}).
 */
class WorkerFleetIT {
  private static final int PARTITIONS = 6;
  private static final int RATE_PER_S = 15;
  private static final String JOB = "fleet-job";
  private static final int JOB_IMAGES = 4;
  /**
   * Progress events commit at most every {@code generation.commit.interval.ms} (1 s), so the first
   * one a client sees, the kill's cue, comes up to that late. A step of 4 images takes about 22 ms
   * on an idle core (benchmarks.md), so even then the kill lands before about 40% of the job's
   * steps, and earlier under load (the printed "SIGKILLed at step s of n" and the rerun's steps/s
   * show where it landed).
   */
  private static final int JOB_STEPS = 120;
  /**
   * How long the job may take: longer than any wait of the recognition phases it runs beside, so
   * a starved machine slows it without failing it (it usually ends while those phases still run).
   */
  private static final Duration JOB_TIMEOUT = Duration.ofMinutes(10);

  @Test
  void workersJoinDieAndRestartUnderLoadWithoutLosingOrDoublingAResult() throws Exception {
    String protocol = System.getProperty("addp.it.group.protocol", "classic");
    AddpConfig config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "fleet-" + protocol, PARTITIONS)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString()).with("recognition.batch.size", "8")
        .with("model.intra.op.threads", "1").with("generation.batch.size", "8").with(KafkaClients.WORKER_GROUP_PROTOCOL, protocol);
    Topics topics = Topics.from(config);
    String recognitionGroup = new ClientIds(topics.prefix()).recognitionGroup();
    try (RoleRunner ingest = RoleRunner.start(List.of(ProcessRole.INGEST), config.with("worker.id", "fleet-ingest"));
         WorkerProcess r1 = WorkerProcess.start("recognition", config.with("worker.id", "fleet-r1"));
         WorkerProcess r2 = WorkerProcess.start("recognition", config.with("worker.id", "fleet-r2"));
         WorkerProcess g1 = WorkerProcess.start("generation", config.with("worker.id", "fleet-g1"));
         WorkerProcess g2 = WorkerProcess.start("generation", config.with("worker.id", "fleet-g2"));
         Admin admin = new KafkaClients(config).admin()) {
      ingest.awaitReady(Duration.ofSeconds(120));
      // each logs an assignment only when it is not empty: both generation workers own request
      // partitions before the job arrives, so only the kill moves the job
      for (WorkerProcess w : List.of(r1, r2, g1, g2)) w.awaitLog("assigned [", Duration.ofSeconds(300));
      ResultArrivals watch = new ResultArrivals(config, topics.recognitionResults());
      PacedRequests load = new PacedRequests(config, FashionMnistSample.read(TestModels.sampleDir()), RATE_PER_S);
      WorkerProcess r3 = null;
      WorkerProcess r2again = null;
      try (watch; load) {
        Awaitility.await("steady results").atMost(Duration.ofSeconds(300)).until(() -> watch.count() >= 8 * RATE_PER_S);
        long steady = System.nanoTime();
        double baseline = watch.longestPartitionGap(steady - TimeUnit.SECONDS.toNanos(5), steady);
        CompletableFuture<KilledJob> job = jobThroughAKill(config, Map.of("fleet-g1", g1, "fleet-g2", g2));

        long joined = System.nanoTime();
        r3 = WorkerProcess.start("recognition", config.with("worker.id", "fleet-r3"));
        r3.awaitLog("assigned [", Duration.ofSeconds(300));
        Pause joinPause = settle(watch, admin, recognitionGroup, joined, 3);

        long killed = System.nanoTime();
        r1.kill();
        Pause killPause = settle(watch, admin, recognitionGroup, killed, 2);

        long rolled = System.nanoTime();
        r2.close();
        r2again = WorkerProcess.start("recognition", config.with("worker.id", "fleet-r2"));
        try {
          r2again.awaitLog("assigned [", Duration.ofSeconds(300));
        } catch (AssertionError e) {
          throw new AssertionError("restarted worker " + (r2again.isAlive() ? "alive" : "exited") + ", no assignment", e);
        }
        Pause rollPause = settle(watch, admin, recognitionGroup, rolled, 2);

        load.stop();
        Set<String> acked = load.acked();
        Awaitility.await("every acknowledged request answered").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(500))
            .until(() -> watch.ids().containsAll(acked));
        Map<String, Long> perId;
        try (TopicReader results = new TopicReader(config, topics.recognitionResults())) {
          AvroSerdes serdes = AvroSerdes.from(config);
          perId = results.readToEnd(Duration.ofSeconds(120)).stream().map(r -> serdes.recognitionResult().deserialize(r.topic(), r.value()))
              .collect(Collectors.groupingBy(RecognitionResult::getRequestId, Collectors.counting()));
        }
        long lost = acked.stream().filter(id -> !perId.containsKey(id)).count();
        long duplicated = perId.values().stream().filter(n -> n > 1).count();
        Map<String, Integer> spread = assignment(admin, recognitionGroup);
        KilledJob generated = job.get(JOB_TIMEOUT.toMinutes() + 2, TimeUnit.MINUTES);
        JobOutcome outcome = generated.outcome();
        String events = trail(outcome.events());
        assertThat(outcome.events()).as("events of the generation job within its timeout").isNotEmpty();
        GenerationEvent last = outcome.last();

        System.out.printf("WorkerFleetIT [group.protocol=%s]: %d requests acknowledged (%d sends failed), %d answered, %d lost, "
            + "%d duplicated; longest time a partition went without a result: %.1f s steady, %s when a worker joined, "
            + "%s when one was SIGKILLed, %s for a rolling restart; partitions per worker at the end %s; "
            + "generation job (%d images x %d steps): %s after %s was SIGKILLed at step %d of %d, last event attempt %d on %s, "
            + "%d terminal event(s), %d images; restarted %.1f s after the kill, rerun at %.1f steps/s, %.1f s from submission to its end%n",
            protocol, acked.size(), load.failed(), perId.size(), lost, duplicated, baseline, joinPause, killPause, rollPause, spread,
            JOB_IMAGES, JOB_STEPS, last.getState(), generated.killed(), generated.killedAtStep(), JOB_STEPS, last.getAttempt(),
            last.getWorkerId(), terminalEvents(outcome), outcome.results().size(), generated.restartS(), generated.rerunStepsPerS(),
            (last.getTimestampMs() - generated.submittedMs()) / 1e3);
        System.out.printf("WorkerFleetIT generation job events: %s%n", events);
        assertThat(lost).as("acknowledged requests without a result").isZero();
        assertThat(duplicated).as("requests with more than one result").isZero();
        assertThat(spread.values().stream().mapToInt(Integer::intValue).sum()).as("every request partition assigned").isEqualTo(PARTITIONS);
        assertThat(spread.values()).as("partitions spread over both live workers").hasSize(2).allMatch(n -> n > 0);
        assertGeneratedOnTheSurvivor(generated, events);
      } finally {
        if (r3 != null) r3.close();
        if (r2again != null) r2again.close();
      }
    }
  }

  /** A generation job that ran through a SIGKILL of its worker: what the client read, and where the kill landed. */
  private record KilledJob(JobOutcome outcome, String killed, int killedAtStep, long submittedMs, long killedMs, boolean readToEnd) {
    /** Seconds from the kill to the first event of the attempt that finished the job (its QUEUED on the other worker). */
    double restartS() {
      int attempt = outcome.last().getAttempt();
      return (outcome.events().stream().filter(e -> e.getAttempt() == attempt).findFirst().orElseThrow().getTimestampMs() - killedMs) / 1e3;
    }

    /** Steps per second of the finishing attempt, from its first and last progress events. */
    double rerunStepsPerS() {
      int attempt = outcome.last().getAttempt();
      List<GenerationEvent> progress = outcome.events().stream().filter(e -> e.getAttempt() == attempt && e.getState() == JobState.RUNNING)
          .toList();
      if (progress.size() < 2) return Double.NaN;
      GenerationEvent first = progress.get(0);
      GenerationEvent lastProgress = progress.get(progress.size() - 1);
      return (lastProgress.getStep() - first.getStep()) * 1e3 / Math.max(1, lastProgress.getTimestampMs() - first.getTimestampMs());
    }
  }

  /**
   * Submits the generation job and, on a thread of its own with a client of its own, follows its
   * events: the worker that reports the job's first progress (RUNNING) is SIGKILLed; completes
   * with the job's events and results read to their committed end.
   */
  private static CompletableFuture<KilledJob> jobThroughAKill(AddpConfig config, Map<String, WorkerProcess> workers) {
    CompletableFuture<KilledJob> done = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try (GenerationClient jobs = new GenerationClient(config)) {
        AtomicReference<String> killed = new AtomicReference<>();
        AtomicInteger killedAtStep = new AtomicInteger(-1);
        AtomicLong killedMs = new AtomicLong();
        long submitted = System.currentTimeMillis();
        jobs.submit(GenerationRequest.newBuilder().setJobId(JOB).setCount(JOB_IMAGES).setSteps(JOB_STEPS)
            .setSchedule(Schedule.LINEAR).setSeed(7).setSubmittedAtMs(submitted).build());
        JobOutcome o = jobs.await(List.of(JOB), Map.of(JOB, JOB_IMAGES), JOB_TIMEOUT, e -> {
          if (killed.get() == null && e.getState() == JobState.RUNNING) {
            WorkerProcess running = workers.get(e.getWorkerId());
            if (running == null) throw new IllegalStateException("progress from unknown worker '" + e.getWorkerId() + "'");
            killed.set(e.getWorkerId());
            killedAtStep.set(e.getStep());
            killedMs.set(System.currentTimeMillis());
            try {
              running.kill();
            } catch (InterruptedException ie) {
              Thread.currentThread().interrupt();
            }
          }
        }).get(JOB);
        boolean atEnd = jobs.readToEnd(Map.of(JOB, o), Duration.ofSeconds(60));
        done.complete(new KilledJob(o, killed.get(), killedAtStep.get(), submitted, killedMs.get(), atEnd));
      } catch (Throwable e) {
        done.completeExceptionally(e);
      }
    }, "fleet-generation-job");
    t.setDaemon(true);
    t.start();
    return done;
  }

  /**
   * The job ended once, SUCCEEDED, as a later attempt on the worker that was not killed, with one
   * result per image from that attempt; the killed worker never ended it (the kill landed mid-job).
   */
  private static void assertGeneratedOnTheSurvivor(KilledJob k, String events) {
    JobOutcome o = k.outcome();
    assertThat(k.readToEnd()).as("job events and results read to their committed end").isTrue();
    assertThat(k.killed()).as("a generation worker reported progress and was SIGKILLed; events " + events).isNotNull();
    assertThat(o.events()).as("terminal events from the killed worker " + k.killed() + " (it finished the job before the kill "
        + "at step " + k.killedAtStep() + " of " + JOB_STEPS + ": the job is too short); events " + events)
        .noneMatch(e -> e.getWorkerId().equals(k.killed()) && JobStates.isTerminal(e.getState()));
    GenerationEvent last = o.last();
    assertThat(last.getState()).as("the job's last state; events " + events).isEqualTo(JobState.SUCCEEDED);
    assertThat(terminalEvents(o)).as("terminal events; events " + events).isEqualTo(1);
    assertThat(last.getWorkerId()).as("the worker that finished the job; events " + events).isNotEqualTo(k.killed()).isNotBlank();
    int killedAttempt = o.events().stream().filter(e -> e.getWorkerId().equals(k.killed())).mapToInt(GenerationEvent::getAttempt).max()
        .orElseThrow();
    assertThat(last.getAttempt()).as("the finishing attempt, after the killed worker's " + killedAttempt + "; events " + events)
        .isEqualTo(killedAttempt + 1);
    assertThat(o.results().stream().map(GenerationResult::getIndex).sorted().toList()).as("result image indexes")
        .isEqualTo(IntStream.range(0, JOB_IMAGES).boxed().toList());
    assertThat(o.results()).as("results all from the finishing attempt on " + last.getWorkerId())
        .allMatch(r -> r.getAttempt() == last.getAttempt() && r.getWorkerId().equals(last.getWorkerId()));
  }

  /** The events as state@step#attempt/worker, a run of progress events as one RUNNING@first..last. */
  private static String trail(List<GenerationEvent> events) {
    StringBuilder out = new StringBuilder("[");
    for (int i = 0; i < events.size(); i++) {
      GenerationEvent e = events.get(i);
      int j = i;
      while (e.getState() == JobState.RUNNING && j + 1 < events.size() && events.get(j + 1).getState() == JobState.RUNNING
          && events.get(j + 1).getAttempt() == e.getAttempt() && events.get(j + 1).getWorkerId().equals(e.getWorkerId())) j++;
      if (out.length() > 1) out.append(", ");
      out.append(e.getState()).append('@').append(e.getStep());
      if (j > i) out.append("..").append(events.get(j).getStep());
      out.append('#').append(e.getAttempt()).append('/').append(e.getWorkerId());
      i = j;
    }
    return out.append(']').toString();
  }

  private static long terminalEvents(JobOutcome o) {
    return o.events().stream().filter(e -> JobStates.isTerminal(e.getState())).count();
  }

  /**
   * Waits until the group has {@code members} members sharing every partition and two seconds' worth
   * of results arrived after that; returns the longest time one partition went
   * without a result since {@code since}, and how long the group took to settle.
   */
  private static Pause settle(ResultArrivals watch, Admin admin, String group, long since, int members) {
    Awaitility.await(members + " workers sharing every partition").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
        .until(() -> {
          Map<String, Integer> a = assignment(admin, group);
          return a.size() == members && a.values().stream().mapToInt(Integer::intValue).sum() == PARTITIONS
              && a.values().stream().allMatch(n -> n > 0);
        });
    long stable = System.nanoTime();
    Awaitility.await("results flowing again").atMost(Duration.ofSeconds(300)).pollInterval(Duration.ofMillis(200))
        .until(() -> watch.countSince(stable) >= 2L * RATE_PER_S);
    return new Pause(watch.longestPartitionGap(since - TimeUnit.SECONDS.toNanos(1), System.nanoTime()), (stable - since) / 1e9);
  }

  /** The longest time one partition went without a result, and when the group was seen sharing every partition again. */
  private record Pause(double gapS, double settledS) {
    @Override
    public String toString() { return String.format("%.1f s (group settled after %.1f s)", gapS, settledS); }
  }

  /** Request partitions per group member (client id) with any. */
  private static Map<String, Integer> assignment(Admin admin, String group) throws Exception {
    ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get(30, TimeUnit.SECONDS).get(group);
    return d.members().stream().filter(m -> !m.assignment().topicPartitions().isEmpty())
        .collect(Collectors.toMap(MemberDescription::clientId, m -> m.assignment().topicPartitions().size(), Integer::sum));
  }
}
