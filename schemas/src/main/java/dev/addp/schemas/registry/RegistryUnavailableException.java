package dev.addp.schemas.registry;

/**
 * The registry could not be reached at all (refused, timed out, 5xx). Unlike a 404 this says nothing
 * about the record, so callers must retry or stop, never dead-letter the record because of it.
 */
public class RegistryUnavailableException extends RuntimeException {
  public RegistryUnavailableException(String message, Throwable cause) { super(message, cause); }
}
