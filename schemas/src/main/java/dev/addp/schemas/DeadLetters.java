package dev.addp.schemas;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.SourceCoordinates;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

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
        .setRequestId(requestId != null ? requestId : requestIdFromKey(key))
        .setAttempt(1)
        .setWorkerId(workerId)
        .setFailedAtMs(System.currentTimeMillis())
        .setOriginalValue(value != null && value.length <= maxOriginalBytes ? ByteBuffer.wrap(value) : null)
        .setOriginalSize(size)
        .build();
  }

  /**
   * Request records are keyed by request id, so a record whose value could not be read at all still
   * names its request through its key (when the key is printable UTF-8 text).
   */
  static String requestIdFromKey(byte[] key) {
    if (key == null || key.length == 0) return null;
    try {
      String id = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(key)).toString();
      return id.chars().allMatch(c -> c >= 0x20 && c != 0x7F) ? id : null;
    } catch (CharacterCodingException e) {
      return null;
    }
  }

  public DeadLetter of(ErrorType type, Throwable error, String topic, int partition, long offset, long timestampMs,
                       byte[] key, byte[] value, String requestId) {
    return of(type, error.getClass().getName(), error.getMessage(), topic, partition, offset, timestampMs, key, value, requestId);
  }
}
