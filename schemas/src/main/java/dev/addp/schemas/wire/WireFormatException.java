package dev.addp.schemas.wire;

import dev.addp.avro.ErrorType;

/** A record value that is not a readable Confluent-framed Avro record of the expected type. */
public class WireFormatException extends RuntimeException {
  private final ErrorType type;

  public WireFormatException(ErrorType type, String message, Throwable cause) {
    super(message, cause);
    this.type = type;
  }

  public ErrorType type() { return type; }
}
