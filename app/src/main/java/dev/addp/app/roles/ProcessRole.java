package dev.addp.app.roles;

/** The processes the service is made of; `addp serve --role` runs one of them, the embedded mode all. */
public enum ProcessRole {
  /** Kafka Streams: validate raw image requests, route them to recognition or to dead letters. */
  INGEST,
  /** Model worker: batched recognition on ONNX Runtime. */
  RECOGNITION,
  /** Model worker: generation jobs, ADDP's alternating loop with continuous batching across jobs. */
  GENERATION,
  /** Kafka Streams: the job-status table, served read-only over HTTP. */
  STATUS,
  /** Kafka Connect in-process: the image-folder source on connect.image.folder. */
  CONNECT
}
