package dev.addp.connectors.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.addp.avro.GenerationResult;
import dev.addp.connectors.files.AtomicFiles;
import dev.addp.connectors.files.NamedPaths;
import dev.addp.connectors.files.RefusedRecords;
import dev.addp.avro.ErrorType;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.schemas.wire.AvroWireSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;

/**
 * Writes each generated image as it arrives, into {@code <dir>/<job id>/}; a failed write or an
 * unreachable registry is retried by Connect (the batch is delivered again); a record that can never
 * be written (unreadable, an invalid job id) is refused with its reason ({@link RefusedRecords}).
 */
public final class GeneratedImageSinkTask extends SinkTask {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GeneratedImageSinkTask.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private Path outputDir;
  private AvroWireSerde<GenerationResult> serde;
  private RefusedRecords refused;

  @Override
  public void start(Map<String, String> props) {
    AbstractConfig c = new AbstractConfig(GeneratedImageSinkConnector.DEF, props);
    outputDir = Path.of(c.getString(GeneratedImageSinkConnector.OUTPUT_DIR));
    SchemaRegistryClient registry = dev.addp.connectors.registry.RegistrySettings.client(c);
    serde = AvroWireSerde.of(registry, GenerationResult.class);
    refused = new RefusedRecords(props, props.getOrDefault("name", "generated-image-sink"), registry, log);
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    for (SinkRecord record : records) {
      if (record.value() == null) continue;
      GenerationResult r;
      Path dir;
      try {
        r = serde.deserialize(record.topic(), (byte[]) record.value());
      } catch (RegistryUnavailableException e) {
        throw unreachable(e);
      } catch (RuntimeException e) {
        refuse(record, RefusedRecords.unreadable(e), e);
        continue;
      }
      try {
        dir = NamedPaths.inside(outputDir, "job_id", r.getJobId(), "{job_id}");
      } catch (IllegalArgumentException invalid) {
        refuse(record, ErrorType.INVALID_REQUEST, invalid);
        continue;
      }
      try {
        AtomicFiles.write(dir.resolve(r.getIndex() + ".png"), bytes(r.getPng()));
        AtomicFiles.write(dir.resolve(r.getIndex() + ".json"), JSON.writeValueAsBytes(sidecar(r)));
      } catch (IOException e) {
        throw new RetriableException("cannot write image " + r.getIndex() + " of job " + r.getJobId() + ": " + e.getMessage(), e);
      }
    }
  }

  private void refuse(SinkRecord record, ErrorType type, RuntimeException why) {
    try {
      refused.refuse(context, record, type, why);
    } catch (RegistryUnavailableException e) {
      throw unreachable(e);
    }
  }

  private static RetriableException unreachable(RegistryUnavailableException e) {
    return new RetriableException("schema registry unreachable, the images will be delivered again: " + e.getMessage(), e);
  }

  /** What makes the image reproducible and traceable: job, index, seed, steps, model lineage. */
  static ObjectNode sidecar(GenerationResult r) {
    ObjectNode n = JSON.createObjectNode();
    n.put("job_id", r.getJobId());
    n.put("index", r.getIndex());
    n.put("seed", r.getSeed());
    n.put("steps", r.getSteps());
    n.put("width", r.getWidth());
    n.put("height", r.getHeight());
    n.putObject("model").put("name", r.getModel().getName()).put("version", r.getModel().getVersion())
        .put("sha256", r.getModel().getSha256());
    n.put("worker_id", r.getWorkerId());
    n.put("attempt", r.getAttempt());
    n.put("generation_ms", r.getGenerationMs());
    n.put("produced_at_ms", r.getProducedAtMs());
    return n;
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  @Override
  public void stop() { }

  @Override
  public String version() { return "0.1.0"; }
}
