package dev.addp.workers.recognition;

import dev.addp.avro.ErrorType;
import dev.addp.avro.ImageInfo;
import dev.addp.avro.ImageRequest;

/** What the decode stage made of one record. */
sealed interface Prepared {
  /** Decoded and preprocessed: ready for the model. */
  record Ready(ImageRequest request, ImageInfo info, float[] input, double decodeMs) implements Prepared { }

  /** Will never succeed: goes to the dead-letter topic. */
  record Rejected(ErrorType type, Throwable error, String requestId) implements Prepared { }

  /** Failed for a reason outside the record (registry unreachable): process it again later. */
  record Retry(Throwable error) implements Prepared { }
}
