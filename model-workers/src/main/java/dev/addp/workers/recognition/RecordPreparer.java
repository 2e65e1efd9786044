package dev.addp.workers.recognition;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.Task;
import dev.addp.platform.image.ImageRejectedException;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.wire.AvroWireSerde;
import dev.addp.schemas.wire.WireFormatException;
import java.nio.ByteBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The decode stage, run on the decode pool: one consumed record → a request decoded and its image
 * preprocessed into model input, or the typed reason it never will be.
 */
final class RecordPreparer {
  private final AvroWireSerde<ImageRequest> requestSerde;
  private final ImageDecoder decoder;
  private final RecognitionModel model;

  RecordPreparer(AvroWireSerde<ImageRequest> requestSerde, ImageDecoder decoder, RecognitionModel model) {
    this.requestSerde = requestSerde;
    this.decoder = decoder;
    this.model = model;
  }

  Prepared prepare(ConsumerRecord<byte[], byte[]> r) {
    long t0 = System.nanoTime();
    ImageRequest request = null;
    try {
      request = requestSerde.deserialize(r.topic(), r.value());
      if (request == null) return new Prepared.Rejected(ErrorType.NOT_WIRE_FORMAT, new IllegalArgumentException("null value"), null);
      checkServed(request);
      ByteBuffer image = request.getImageBytes();
      if (image == null) throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "request carries no image bytes");
      byte[] bytes = new byte[image.remaining()];
      image.duplicate().get(bytes);
      try (ImageDecoder.Decoded decoded = decoder.decode(bytes)) {
        float[] input = new float[model.preprocessor().inputLength()];
        model.preprocessor().write(decoded.image(), input, 0);
        return new Prepared.Ready(request, decoded.info(), input, (System.nanoTime() - t0) / 1e6);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Prepared.Retry(e);
    } catch (WireFormatException e) {
      return new Prepared.Rejected(e.type(), e, null);
    } catch (ImageRejectedException e) {
      return new Prepared.Rejected(e.type(), e, request == null ? null : request.getRequestId());
    } catch (RegistryUnavailableException e) {
      return new Prepared.Retry(e);
    } catch (RuntimeException e) {
      return new Prepared.Rejected(ErrorType.INTERNAL, e, request == null ? null : request.getRequestId());
    }
  }

  /** The request names this worker's model (or none) and only tasks it has heads for. */
  private void checkServed(ImageRequest request) {
    String name = model.lineage().getName();
    if (request.getModel() != null && !request.getModel().equals(name)) {
      throw new ImageRejectedException(ErrorType.UNKNOWN_MODEL, "model '" + request.getModel() + "' is not served here (this worker serves '"
          + name + "')");
    }
    if (request.getTasks().isEmpty()) throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "tasks is empty");
    for (Task t : request.getTasks()) {
      if (!model.tasks().contains(t)) {
        throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "model " + name + " " + model.lineage().getVersion()
            + " has no head for " + t + " (it serves " + java.util.EnumSet.copyOf(model.tasks()) + ")");
      }
    }
  }
}
