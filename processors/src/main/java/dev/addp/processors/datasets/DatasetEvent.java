package dev.addp.processors.datasets;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * One thing that happened to a dataset, re-keyed by dataset id so that its manifest and every
 * image's outcome meet in one task. Internal to the topology (its repartition topic), so JSON, not
 * a registered contract.
 */
record DatasetEvent(@JsonProperty("kind") Kind kind, @JsonProperty("dataset") String dataset,
                    @JsonProperty("request_id") String requestId, @JsonProperty("reason") String reason,
                    @JsonProperty("total") int total, @JsonProperty("at_ms") long atMs) {
  enum Kind { MANIFEST, ANNOTATED, DEAD_LETTERED }

  private static final ObjectMapper JSON = new ObjectMapper();

  static DatasetEvent manifest(String dataset, int total, long atMs) { return new DatasetEvent(Kind.MANIFEST, dataset, null, null, total, atMs); }

  static DatasetEvent annotated(String dataset, String requestId, long atMs) {
    return new DatasetEvent(Kind.ANNOTATED, dataset, requestId, null, 0, atMs);
  }

  static DatasetEvent deadLettered(String dataset, String requestId, String reason, long atMs) {
    return new DatasetEvent(Kind.DEAD_LETTERED, dataset, requestId, reason, 0, atMs);
  }

  static Serde<DatasetEvent> serde() {
    return Serdes.serdeFrom((topic, e) -> {
      try {
        return e == null ? null : JSON.writeValueAsBytes(e);
      } catch (IOException x) {
        throw new UncheckedIOException(x);
      }
    }, (topic, bytes) -> {
      try {
        return bytes == null ? null : JSON.readValue(bytes, DatasetEvent.class);
      } catch (IOException x) {
        throw new UncheckedIOException(x);
      }
    });
  }
}
