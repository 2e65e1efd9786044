package dev.addp.processors.ingest;

import dev.addp.platform.config.Settings;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ImageRequest;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.image.ImageLimits;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.image.ImageSource;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.schemas.DeadLetters;
import dev.addp.platform.kafka.Topics;
import dev.addp.processors.metrics.IngestMetrics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;

/**
 * images.raw → validate → recognition requests (the shared topic, or the requested model's own
 * topic when it is routed: {@link Topics#recognitionRequestsFor}), or → dead letters.
 *
 * <p>The raw topic is read as bytes, not through an Avro serde, so that records which are not
 * readable requests become typed dead letters inside the topology instead of deserialization
 * errors.
 */
public final class IngestTopology {
  /** The Streams application id: its consumer group, transactional ids and internal topics. */
  public static String applicationId(AddpConfig config) {
    return config.get(Settings.INGEST_APPLICATION_ID, Topics.from(config).prefix() + "ingest");
  }

  private IngestTopology() { }

  public static Topology build(AddpConfig config, AvroSerdes serdes) {
    return build(config, serdes, new IngestMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
  }

  public static Topology build(AddpConfig config, AvroSerdes serdes, IngestMetrics metrics) {
    Topics topics = Topics.from(config);
    ImageLimits limits = ImageLimits.from(config);
    ImageSource source = ImageSource.from(config);
    ImageProbe probe = new ImageProbe(limits);
    DeadLetters deadLetters = new DeadLetters("ingest", config.get(Settings.WORKER_ID, applicationId(config)),
        config.getInt(Settings.DEADLETTER_MAX_ORIGINAL_BYTES));

    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(topics.imagesRaw(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .processValues(() -> new ImageRequestValidator(serdes.imageRequest(), source, probe, deadLetters), Named.as("validate"))
        .split(Named.as("route-"))
        .branch((key, outcome) -> outcome.isAccepted(), Branched.withConsumer(accepted -> accepted
            .peek((key, outcome) -> metrics.accepted(), Named.as("count-accepted"))
            .mapValues(IngestOutcome::request, Named.as("request"))
            .to((key, request, context) -> topics.recognitionRequestsFor(request.getModel()),
                Produced.<byte[], ImageRequest>with(Serdes.ByteArray(), serdes.imageRequest())),
            "accepted"))
        .defaultBranch(Branched.withConsumer(rejected -> rejected
            .peek((key, outcome) -> metrics.deadLettered(outcome.deadLetter().getErrorType().toString()), Named.as("count-rejected"))
            .mapValues(IngestOutcome::deadLetter, Named.as("dead-letter"))
            .to(topics.deadLetters(), Produced.<byte[], DeadLetter>with(Serdes.ByteArray(), serdes.deadLetter())),
            "rejected"));
    return builder.build();
  }
}
