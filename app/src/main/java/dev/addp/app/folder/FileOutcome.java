package dev.addp.app.folder;

/** What became of one file of a folder, for the final report. */
public record FileOutcome(String file, Status status, String reason, String message, String requestId) {
  public enum Status { ANNOTATED, DEAD_LETTERED, SKIPPED, SEND_FAILED, NO_ANSWER }
}
