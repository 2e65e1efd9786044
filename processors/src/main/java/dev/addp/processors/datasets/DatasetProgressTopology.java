package dev.addp.processors.datasets;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.kafka.Topics;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * Per-dataset progress: dataset manifests, recognition results and dead letters → one progress
 * record per dataset (submitted total, annotated, dead-lettered by reason), counting each request id
 * once, and one completion record when every image of the manifest is accounted for.
 *
 * <p>A dead letter belongs to the dataset named inside its original request when that still
 * decodes, else to the prefix of its request id before the first '/' (clients name requests
 * {@code <dataset>/<path>}; the CLI and the folder source do). Dead letters of other stages
 * (generation) are not image outcomes and are ignored.
 */
public final class DatasetProgressTopology {
  public static final String PROGRESS_STORE = "dataset-progress";
  static final String OUTCOME_STORE = "dataset-outcomes";

  private DatasetProgressTopology() { }

  public static Topology build(Topics topics, DatasetSerdes serdes) {
    StreamsBuilder builder = new StreamsBuilder();
    addTo(builder, topics, serdes);
    return builder.build();
  }

  /** Adds the sub-topology to a builder (the status role runs it beside the job-status table). */
  public static void addTo(StreamsBuilder builder, Topics topics, DatasetSerdes serdes) {
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(OUTCOME_STORE), Serdes.String(), Serdes.String()));
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PROGRESS_STORE), Serdes.String(), serdes.progress()));
    Serde<DatasetEvent> events = DatasetEvent.serde();

    KStream<String, DatasetEvent> manifests = builder.stream(topics.datasets(), Consumed.with(Serdes.String(), serdes.manifest())
            .withName("dataset-manifests"))
        .filter((k, m) -> m != null && !m.getDataset().isEmpty(), Named.as("dataset-manifest-present"))
        .map((k, m) -> KeyValue.pair(m.getDataset(), DatasetEvent.manifest(m.getDataset(), m.getTotal(), m.getSubmittedAtMs())),
            Named.as("dataset-manifest-event"));
    KStream<String, DatasetEvent> annotated = builder.stream(topics.recognitionResults(),
            Consumed.with(Serdes.ByteArray(), serdes.result()).withName("dataset-results"))
        .filter((k, r) -> r != null && !r.getDataset().isEmpty(), Named.as("dataset-result-has-dataset"))
        .map((k, r) -> KeyValue.pair(r.getDataset(), DatasetEvent.annotated(r.getDataset(), r.getRequestId(), r.getProducedAtMs())),
            Named.as("dataset-result-event"));
    List<String> imageTopics = List.of(topics.imagesRaw(), topics.recognitionRequests());
    DeadLetterDataset attribution = new DeadLetterDataset(serdes.request(), imageTopics);
    KStream<String, DatasetEvent> dead = builder.stream(topics.deadLetters(),
            Consumed.with(Serdes.ByteArray(), serdes.deadLetter()).withName("dataset-dead-letters"))
        .flatMap((k, d) -> {
          String dataset = d == null ? null : attribution.datasetOf(d);
          if (dataset == null) return List.of();
          return List.of(KeyValue.pair(dataset, DatasetEvent.deadLettered(dataset, d.getRequestId(), d.getErrorType().toString(),
              d.getFailedAtMs())));
        }, Named.as("dataset-dead-letter-event"));

    KStream<String, DatasetProgressProcessor.Output> progress = manifests.merge(annotated, Named.as("dataset-merge-results"))
        .merge(dead, Named.as("dataset-merge-dead-letters"))
        .repartition(Repartitioned.with(Serdes.String(), events).withName("dataset-events"))
        .process(DatasetProgressProcessor::new, Named.as("dataset-count"), OUTCOME_STORE, PROGRESS_STORE);
    progress.mapValues(DatasetProgressProcessor.Output::progress, Named.as("dataset-progress-value"))
        .to(topics.datasetProgress(), Produced.with(Serdes.String(), serdes.progress()).withName("dataset-progress-out"));
    progress.filter((k, o) -> o.justCompleted(), Named.as("dataset-just-completed"))
        .mapValues(DatasetProgressProcessor.Output::progress, Named.as("dataset-completion-value"))
        .to(topics.datasetCompletions(), Produced.with(Serdes.String(), serdes.progress()).withName("dataset-completions-out"));
  }

  /** Which dataset a dead letter of an image request belongs to, if any. */
  static final class DeadLetterDataset {
    private final Serde<ImageRequest> requests;
    private final List<String> imageTopics;

    DeadLetterDataset(Serde<ImageRequest> requests, List<String> imageTopics) {
      this.requests = requests;
      this.imageTopics = imageTopics;
    }

    String datasetOf(DeadLetter d) {
      if (d.getRequestId() == null || !imageTopics.contains(d.getSource().getTopic())) return null;
      ByteBuffer original = d.getOriginalValue();
      if (original != null) {
        try {
          byte[] bytes = new byte[original.remaining()];
          original.duplicate().get(bytes);
          ImageRequest r = requests.deserializer().deserialize(d.getSource().getTopic(), bytes);
          if (r != null && !r.getDataset().isEmpty()) return r.getDataset();
        } catch (RuntimeException unreadable) {
          // the value is why it was dead-lettered: fall back to the request id
        }
      }
      int slash = d.getRequestId().indexOf('/');
      return slash > 0 ? d.getRequestId().substring(0, slash) : null;
    }
  }
}
