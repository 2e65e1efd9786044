package dev.addp.platform.kafka;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.SourceCoordinates;
import java.nio.ByteBuffer;

/** Builds dead-letter records: the typed reason plus the original coordinates and bytes. */
public final class DeadLetters {
  /** Original values up to this size travel inside the dead letter; larger ones are referenced only. */
  public static final int DEFAULT_MAX_ORIGINAL_BYTES = 1024 * 1024;

  private final String stage;
  private final String workerId;
  private final int maxOriginalBytes;

  public DeadLetters(String stage, String workerId, int maxOriginalBytes) {
    this.stage = stage;
    this.workerId = workerId;
    this.maxOriginalBytes = maxOriginalBytes;
  }

  public DeadLetter of(ErrorType type, String errorClass, String message, String topic, int partition, long offset,
                       long timestampMs, byte[] key, byte[] value, String requestId) {
    long size = value == null ? 0 : value.length;
    return DeadLetter.newBuilder()
        .setStage(stage)
        .setErrorType(type)
        .setErrorClass(errorClass)
        .setMessage(message == null ? "" : message)
        .setSource(new SourceCoordinates(topic, partition, offset, timestampMs, key == null ? null : ByteBuffer.wrap(key)))
        .setRequestId(requestId)
        .setAttempt(1)
        .setWorkerId(workerId)
        .setFailedAtMs(System.currentTimeMillis())
        .setOriginalValue(value != null && value.length <= maxOriginalBytes ? ByteBuffer.wrap(value) : null)
        .setOriginalSize(size)
        .build();
  }

  public DeadLetter of(ErrorType type, Throwable error, String topic, int partition, long offset, long timestampMs,
                       byte[] key, byte[] value, String requestId) {
    return of(type, error.getClass().getName(), error.getMessage(), topic, partition, offset, timestampMs, key, value, requestId);
  }
}
