package dev.addp.workers.generation.jobs;

import dev.addp.avro.ErrorType;

/** A generation request that can never run, with the typed reason its FAILED event carries. */
public class InvalidJobException extends RuntimeException {
  private final ErrorType type;

  public InvalidJobException(ErrorType type, String message) {
    super(message);
    this.type = type;
  }

  public ErrorType type() { return type; }
}
