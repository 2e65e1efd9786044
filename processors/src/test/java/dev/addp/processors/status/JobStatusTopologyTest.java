package dev.addp.processors.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.JobState;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.testkit.InMemoryRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The job-status table without a broker: per job its latest event, terminal states that no late
 * event of the same attempt can undo, restarts (a later attempt) that can; and the table built
 * from a compacted events topic (the last event of each job) equals the one built from the whole
 * history, as long as the terminal event is a job's last record.
 */
class JobStatusTopologyTest {
  private InMemoryRegistry registry;
  private AddpConfig config;
  private AvroSerdes serdes;
  private final List<TopologyTestDriver> drivers = new ArrayList<>();

  @BeforeEach
  void start() throws IOException {
    registry = new InMemoryRegistry();
    config = AddpConfig.of(Map.of(AddpConfig.REGISTRY_URL, registry.url(), AddpConfig.BOOTSTRAP_SERVERS, "unused:9092"));
    serdes = AvroSerdes.from(config);
  }

  @AfterEach
  void stop() {
    drivers.forEach(TopologyTestDriver::close);
    registry.close();
  }

  /** A driver of the topology, its events topic and its status store. */
  private record Table(TestInputTopic<String, GenerationEvent> events, KeyValueStore<String, GenerationEvent> store) {
    void send(GenerationEvent... es) { for (GenerationEvent e : es) events.pipeInput(e.getJobId(), e); }

    JobState state(String job) { return store.get(job).getState(); }

    Map<String, GenerationEvent> all() {
      Map<String, GenerationEvent> m = new LinkedHashMap<>();
      try (KeyValueIterator<String, GenerationEvent> it = store.all()) {
        while (it.hasNext()) {
          KeyValue<String, GenerationEvent> kv = it.next();
          m.put(kv.key, kv.value);
        }
      }
      return m;
    }
  }

  @Test
  void aJobsEndTombstonesItsCancel() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "status-test-tombstones");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    TopologyTestDriver d = new TopologyTestDriver(JobStatusTopology.build(config, serdes), props);
    drivers.add(d);
    Topics topics = Topics.from(config);
    TestInputTopic<String, GenerationEvent> events =
        d.createInputTopic(topics.generationEvents(), Serdes.String().serializer(), serdes.generationEvent());
    org.apache.kafka.streams.TestOutputTopic<String, byte[]> control =
        d.createOutputTopic(topics.generationControl(), Serdes.String().deserializer(), Serdes.ByteArray().deserializer());
    for (JobState s : List.of(JobState.QUEUED, JobState.RUNNING, JobState.CANCELLED)) events.pipeInput("cancelled-job", event("cancelled-job", s, 0, 1));
    events.pipeInput("done-job", event("done-job", JobState.RUNNING, 1, 1));
    events.pipeInput("done-job", event("done-job", JobState.SUCCEEDED, 2, 1));
    events.pipeInput("running-job", event("running-job", JobState.RUNNING, 1, 1));
    List<org.apache.kafka.streams.test.TestRecord<String, byte[]>> written = control.readRecordsToList();
    assertThat(written).extracting(org.apache.kafka.streams.test.TestRecord::key).containsExactly("cancelled-job", "done-job");
    assertThat(written).allSatisfy(r -> assertThat(r.value()).isNull());
  }

  private Table table() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "status-test-" + drivers.size());
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    TopologyTestDriver d = new TopologyTestDriver(JobStatusTopology.build(config, serdes), props);
    drivers.add(d);
    return new Table(d.createInputTopic(Topics.from(config).generationEvents(), Serdes.String().serializer(), serdes.generationEvent()),
        d.getKeyValueStore(JobStatusTopology.STORE));
  }

  private static long clock = 1_000;

  private static GenerationEvent event(String job, JobState state, int step, int attempt) {
    return GenerationEvent.newBuilder().setJobId(job).setState(state).setStep(step).setTotalSteps(10).setCount(4)
        .setAttempt(attempt).setWorkerId("w").setTimestampMs(clock++)
        .setErrorType(state == JobState.FAILED ? ErrorType.MODEL_ERROR : null).build();
  }

  @Test
  void eachJobShowsItsLatestEventThroughItsLife() {
    Table t = table();
    t.send(event("a", JobState.QUEUED, 0, 1));
    assertThat(t.state("a")).isEqualTo(JobState.QUEUED);
    t.send(event("a", JobState.RUNNING, 3, 1));
    assertThat(t.store().get("a").getStep()).isEqualTo(3);
    t.send(event("b", JobState.QUEUED, 0, 1), event("a", JobState.RUNNING, 7, 1));
    assertThat(t.store().get("a").getStep()).isEqualTo(7);
    assertThat(t.state("b")).isEqualTo(JobState.QUEUED);
    t.send(event("a", JobState.SUCCEEDED, 10, 1));
    assertThat(t.state("a")).isEqualTo(JobState.SUCCEEDED);
    assertThat(t.all()).containsOnlyKeys("a", "b");
  }

  @Test
  void aTerminalStateStaysWhateverLateEventsOfTheSameAttemptSay() {
    Table t = table();
    for (JobState end : List.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)) {
      String job = "job-" + end;
      GenerationEvent last = event(job, end, 5, 1);
      t.send(event(job, JobState.QUEUED, 0, 1), event(job, JobState.RUNNING, 5, 1), last,
          event(job, JobState.RUNNING, 6, 1), event(job, JobState.QUEUED, 0, 1));
      assertThat(t.store().get(job)).as(end + " is final for its attempt").isEqualTo(last);
    }
    // and a second terminal event of the same attempt does not replace the first one either
    t.send(event("job-SUCCEEDED", JobState.FAILED, 9, 1));
    assertThat(t.state("job-SUCCEEDED")).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void aLaterAttemptRestartsAnEndedJob() {
    Table t = table();
    t.send(event("r", JobState.RUNNING, 4, 1), event("r", JobState.FAILED, 4, 1), event("r", JobState.QUEUED, 0, 2));
    assertThat(t.store().get("r").getAttempt()).isEqualTo(2);
    assertThat(t.state("r")).isEqualTo(JobState.QUEUED);
    t.send(event("r", JobState.RUNNING, 2, 2), event("r", JobState.SUCCEEDED, 10, 2), event("r", JobState.RUNNING, 9, 1));
    assertThat(t.state("r")).as("a late event of the first attempt").isEqualTo(JobState.SUCCEEDED);
    assertThat(t.store().get("r").getAttempt()).isEqualTo(2);
  }

  @Test
  void aCompactedEventsTopicGivesTheSameTableAsTheWholeHistory() {
    List<GenerationEvent> history = new ArrayList<>();
    for (int j = 0; j < 20; j++) {
      String job = "job-" + j;
      history.add(event(job, JobState.QUEUED, 0, 1));
      for (int s = 1; s <= j % 5; s++) history.add(event(job, JobState.RUNNING, s, 1));
      if (j % 4 == 1) history.add(event(job, JobState.SUCCEEDED, 10, 1));
      if (j % 4 == 2) history.add(event(job, JobState.CANCELLED, 1, 1));
      if (j % 4 == 3) {
        history.add(event(job, JobState.FAILED, 2, 1));
        history.add(event(job, JobState.QUEUED, 0, 2));
      }
    }
    // compaction keeps each key's last record; interleave jobs as a topic would
    Map<String, GenerationEvent> compacted = new LinkedHashMap<>();
    for (GenerationEvent e : history) {
      compacted.remove(e.getJobId());
      compacted.put(e.getJobId(), e);
    }
    Table whole = table();
    history.forEach(whole::send);
    Table fromCompacted = table();
    compacted.values().forEach(fromCompacted::send);
    assertThat(fromCompacted.all()).hasSize(20).isEqualTo(whole.all());
    assertThat(whole.state("job-1")).isEqualTo(JobState.SUCCEEDED);
    assertThat(whole.state("job-2")).isEqualTo(JobState.CANCELLED);
    assertThat(whole.state("job-3")).isEqualTo(JobState.QUEUED);
    assertThat(whole.store().get("job-3").getAttempt()).isEqualTo(2);
  }
}
