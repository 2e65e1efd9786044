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
  private final Classifier classifier;

  RecordPreparer(AvroWireSerde<ImageRequest> requestSerde, ImageDecoder decoder, Classifier classifier) {
    this.requestSerde = requestSerde;
    this.decoder = decoder;
    this.classifier = classifier;
  }

  Prepared prepare(ConsumerRecord<byte[], byte[]> r) {
    long t0 = System.nanoTime();
    ImageRequest request = null;
    try {
      request = requestSerde.deserialize(r.topic(), r.value());
      if (request == null) return new Prepared.Rejected(ErrorType.NOT_WIRE_FORMAT, new IllegalArgumentException("null value"), null);
      for (Task t : request.getTasks()) {
        if (t != Task.CLASSIFY) {
          throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "model " + classifier.lineage().getName() + " "
              + classifier.lineage().getVersion() + " serves CLASSIFY only, request asked for " + t);
        }
      }
      ByteBuffer image = request.getImageBytes();
      if (image == null) throw new ImageRejectedException(ErrorType.INVALID_REQUEST, "request carries no image bytes");
      byte[] bytes = new byte[image.remaining()];
      image.duplicate().get(bytes);
      ImageDecoder.Decoded decoded = decoder.decode(bytes);
      float[] input = new float[classifier.preprocessor().inputLength()];
      classifier.preprocessor().write(decoded.image(), input, 0);
      return new Prepared.Ready(request, decoded.info(), input, (System.nanoTime() - t0) / 1e6);
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

}
