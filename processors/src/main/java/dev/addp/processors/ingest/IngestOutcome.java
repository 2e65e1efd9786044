package dev.addp.processors.ingest;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ImageRequest;

/** Either a validated request for the recognition topic or a dead letter, never both. */
record IngestOutcome(ImageRequest request, DeadLetter deadLetter) {
  static IngestOutcome accepted(ImageRequest request) { return new IngestOutcome(request, null); }

  static IngestOutcome rejected(DeadLetter deadLetter) { return new IngestOutcome(null, deadLetter); }

  boolean isAccepted() { return request != null; }
}
