package dev.addp.platform.image;

import dev.addp.avro.ErrorType;

/** An image the service will not process, with the typed reason that goes to the dead-letter topic. */
public class ImageRejectedException extends RuntimeException {
  private final ErrorType type;

  public ImageRejectedException(ErrorType type, String message) { this(type, message, null); }

  public ImageRejectedException(ErrorType type, String message, Throwable cause) {
    super(message, cause);
    this.type = type;
  }

  public ErrorType type() { return type; }
}
