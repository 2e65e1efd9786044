package dev.addp.app.folder;

/** A failure the user can act on: the CLI prints its message as one line, without a stack trace. */
public final class CliException extends RuntimeException {
  public CliException(String message) { super(message); }
}
