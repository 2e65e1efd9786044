package dev.addp.schemas.registry;

/** The registry answered, but with an error (Confluent error body: HTTP status, error_code, message). */
public class SchemaRegistryException extends RuntimeException {
  private final int httpStatus;
  private final int errorCode;

  public SchemaRegistryException(String message, int httpStatus, int errorCode) {
    super(message);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  public int httpStatus() { return httpStatus; }

  /** Confluent error code, e.g. 40403 schema not found, 409 incompatible; -1 when the body had none. */
  public int errorCode() { return errorCode; }
}
