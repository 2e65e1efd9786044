package dev.addp.processors.status;

import dev.addp.platform.config.Settings;
import dev.addp.avro.GenerationEvent;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.JobStates;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;

/**
 * generation events → the job-status table: per job id, its latest event. A terminal state stays
 * unless a later attempt of the same job follows it, so a late progress event cannot revive a job.
 * A job's terminal event also tombstones its key in the compacted control topic: a cancel outlives
 * its job neither there nor in the generation workers' memory.
 * The same application also keeps the per-dataset progress table ({@code DatasetProgressTopology}).
 */
public final class JobStatusTopology {
  public static final String STORE = "job-status";

  private JobStatusTopology() { }

  public static String applicationId(AddpConfig config) {
    return config.get(Settings.STATUS_APPLICATION_ID, Topics.from(config).prefix() + "job-status");
  }

  public static Topology build(AddpConfig config, AvroSerdes serdes) {
    StreamsBuilder builder = new StreamsBuilder();
    Topics topics = Topics.from(config);
    org.apache.kafka.streams.kstream.KStream<String, GenerationEvent> events =
        builder.stream(topics.generationEvents(), Consumed.with(Serdes.String(), serdes.generationEvent()));
    // an ended job's cancel has nothing left to stop: its tombstone lets compaction drop it and the workers forget it
    events.filter((job, e) -> e != null && JobStates.isTerminal(e.getState())).mapValues(e -> (byte[]) null)
        .to(topics.generationControl(), Produced.with(Serdes.String(), Serdes.ByteArray()));
    events.groupByKey()
        .reduce(JobStatusTopology::latest, Materialized.<String, GenerationEvent, org.apache.kafka.streams.state.KeyValueStore<
            org.apache.kafka.common.utils.Bytes, byte[]>>as(STORE).withKeySerde(Serdes.String()).withValueSerde(serdes.generationEvent()));
    dev.addp.processors.datasets.DatasetProgressTopology.addTo(builder, topics, dev.addp.processors.datasets.DatasetSerdes.from(serdes));
    return builder.build();
  }

  static GenerationEvent latest(GenerationEvent current, GenerationEvent next) {
    boolean ended = JobStates.isTerminal(current.getState());
    return ended && next.getAttempt() <= current.getAttempt() ? current : next;
  }
}
