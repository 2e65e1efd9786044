package dev.addp.schemas;

import dev.addp.avro.JobState;

/** Facts about job states that every role must agree on. */
public final class JobStates {
  private JobStates() { }

  /** SUCCEEDED, FAILED and CANCELLED end a job; exactly one of them is its last event. */
  public static boolean isTerminal(JobState s) {
    return s == JobState.SUCCEEDED || s == JobState.FAILED || s == JobState.CANCELLED;
  }
}
