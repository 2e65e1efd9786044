package dev.addp.processors.ingest;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageInfo;
import dev.addp.avro.ImageRequest;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.image.ImageRejectedException;
import dev.addp.platform.image.ImageSource;
import dev.addp.schemas.DeadLetters;
import dev.addp.schemas.Identifiers;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.wire.AvroWireSerde;
import dev.addp.schemas.wire.WireFormatException;
import java.nio.ByteBuffer;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Turns one raw record into an {@link IngestOutcome}: decode the Avro request, check its fields,
 * probe the image header. Every failure becomes a typed dead letter; only an unreachable registry
 * (which says nothing about the record) is thrown, so the record is retried instead of rejected.
 */
final class ImageRequestValidator implements FixedKeyProcessor<byte[], byte[], IngestOutcome> {
  static final int MAX_TOP_K = 1000;
  static final int MAX_DETECTIONS = 1000;

  private final AvroWireSerde<ImageRequest> serde;
  private final ImageSource source;
  private final ImageProbe probe;
  private final DeadLetters deadLetters;
  private FixedKeyProcessorContext<byte[], IngestOutcome> context;

  ImageRequestValidator(AvroWireSerde<ImageRequest> serde, ImageSource source, ImageProbe probe, DeadLetters deadLetters) {
    this.serde = serde;
    this.source = source;
    this.probe = probe;
    this.deadLetters = deadLetters;
  }

  @Override
  public void init(FixedKeyProcessorContext<byte[], IngestOutcome> context) { this.context = context; }

  @Override
  public void process(FixedKeyRecord<byte[], byte[]> record) {
    context.forward(record.withValue(validate(record)));
  }

  private IngestOutcome validate(FixedKeyRecord<byte[], byte[]> record) {
    String topic = metadata().map(RecordMetadata::topic).orElse("");
    ImageRequest request = null;
    try {
      request = serde.deserialize(topic, record.value());
      if (request == null) throw new ImageRejectedException(ErrorType.NOT_WIRE_FORMAT, "record has a null value (tombstone)");
      checkFields(request);
      byte[] image = source.bytesOf(request.getImageBytes(), request.getImageUri());
      ImageInfo info = probe.probe(image);
      request.setImageBytes(ByteBuffer.wrap(image));
      request.setInfo(info);
      return IngestOutcome.accepted(request);
    } catch (WireFormatException e) {
      return reject(record, e.type(), e, null);
    } catch (ImageRejectedException e) {
      return reject(record, e.type(), e, idOf(request));
    } catch (RegistryUnavailableException e) {
      throw e;
    } catch (RuntimeException e) {
      return reject(record, ErrorType.INTERNAL, e, idOf(request));
    }
  }

  private static void checkFields(ImageRequest r) {
    String badId = Identifiers.requestIdProblem(r.getRequestId());
    if (badId != null) throw new ImageRejectedException(ErrorType.INVALID_REQUEST, badId);
    // a dataset names the export's file: a plain name or none
    String badDataset = r.getDataset().isEmpty() ? null : Identifiers.nameProblem("dataset", r.getDataset());
    if (badDataset != null) throw new ImageRejectedException(ErrorType.INVALID_REQUEST, badDataset);
    if (r.getTopK() < 1 || r.getTopK() > MAX_TOP_K) {
      throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "top_k must be in 1.." + MAX_TOP_K + ", got " + r.getTopK());
    }
    if (r.getTasks().isEmpty()) throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "tasks is empty");
    if (r.getMaxDetections() < 0 || r.getMaxDetections() > MAX_DETECTIONS) {
      throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "max_detections must be in 0.." + MAX_DETECTIONS + " (0 = the model's), got "
          + r.getMaxDetections());
    }
    if (!(r.getScoreThreshold() >= 0 && r.getScoreThreshold() <= 1)) {
      throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "score_threshold must be in [0, 1], got " + r.getScoreThreshold());
    }
    if (r.getImageBytes() != null && r.getImageUri() != null) {
      throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "set image_bytes or image_uri, not both");
    }
  }

  private IngestOutcome reject(FixedKeyRecord<byte[], byte[]> record, ErrorType type, Throwable error, String requestId) {
    RecordMetadata m = metadata().orElse(null);
    return IngestOutcome.rejected(deadLetters.of(type, error,
        m == null ? "" : m.topic(), m == null ? -1 : m.partition(), m == null ? -1 : m.offset(),
        record.timestamp(), record.key(), record.value(), requestId));
  }

  private static String idOf(ImageRequest request) { return request == null ? null : request.getRequestId(); }

  private java.util.Optional<RecordMetadata> metadata() { return context.recordMetadata(); }
}
