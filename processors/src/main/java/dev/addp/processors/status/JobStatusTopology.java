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

/**
 * generation events → the job-status table: per job id, its latest event. A terminal state stays
 * unless a later attempt of the same job follows it, so a late progress event cannot revive a job.
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
    builder.stream(Topics.from(config).generationEvents(), Consumed.with(Serdes.String(), serdes.generationEvent()))
        .groupByKey()
        .reduce(JobStatusTopology::latest, Materialized.<String, GenerationEvent, org.apache.kafka.streams.state.KeyValueStore<
            org.apache.kafka.common.utils.Bytes, byte[]>>as(STORE).withKeySerde(Serdes.String()).withValueSerde(serdes.generationEvent()));
    dev.addp.processors.datasets.DatasetProgressTopology.addTo(builder, Topics.from(config), dev.addp.processors.datasets.DatasetSerdes.from(serdes));
    return builder.build();
  }

  static GenerationEvent latest(GenerationEvent current, GenerationEvent next) {
    boolean ended = JobStates.isTerminal(current.getState());
    return ended && next.getAttempt() <= current.getAttempt() ? current : next;
  }
}
