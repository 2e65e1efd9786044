package dev.addp.schemas;

import java.nio.charset.StandardCharsets;

/**
 * The one rule for the names records carry. Job ids and dataset names become file and folder
 * names in the sinks, so they are plain names: 1 to {@value #MAX_NAME} characters of
 * {@code A-Z a-z 0-9 . _ -}, starting with a letter, digit or underscore (so never {@code .},
 * {@code ..} or a hidden file). Every valid name is its own file name, unchanged: two distinct
 * names never map to one path. Request ids are echoed, never used as paths (clients name them
 * {@code <dataset>/<relative path>}): any text of 1 to {@value #MAX_REQUEST_ID_BYTES} UTF-8 bytes
 * without control characters.
 */
public final class Identifiers {
  public static final int MAX_NAME = 128;
  public static final int MAX_REQUEST_ID_BYTES = 1024;

  private Identifiers() { }

  /** Why {@code value} is not a valid name of this kind ("job_id", "dataset"), or null when it is. */
  public static String nameProblem(String kind, String value) {
    if (value == null || value.isEmpty()) return kind + " is empty";
    if (value.length() > MAX_NAME) return kind + " is " + value.length() + " characters long (at most " + MAX_NAME + ")";
    char first = value.charAt(0);
    if (!(isAsciiAlphanumeric(first) || first == '_')) {
      return kind + " must start with a letter, digit or '_': " + quoted(value);
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!(isAsciiAlphanumeric(c) || c == '.' || c == '_' || c == '-')) {
        return kind + " may hold only A-Z a-z 0-9 . _ - (found " + describe(c) + "): " + quoted(value);
      }
    }
    return null;
  }

  public static boolean isName(String value) { return nameProblem("name", value) == null; }

  /** Why {@code value} is not a valid request id, or null when it is. */
  public static String requestIdProblem(String value) {
    if (value == null || value.isBlank()) return "request_id is empty";
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_REQUEST_ID_BYTES) return "request_id is " + bytes + " bytes long (at most " + MAX_REQUEST_ID_BYTES + ")";
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (Character.isISOControl(c)) return "request_id holds the control character " + describe(c);
    }
    return null;
  }

  /** A name made from free text (a folder's name): invalid characters become '-', cut to the length limit. */
  public static String nameFrom(String text, String fallback) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < text.length() && b.length() < MAX_NAME; i++) {
      char c = text.charAt(i);
      b.append(isAsciiAlphanumeric(c) || c == '.' || c == '_' || c == '-' ? c : '-');
    }
    while (b.length() > 0 && !(isAsciiAlphanumeric(b.charAt(0)) || b.charAt(0) == '_')) b.deleteCharAt(0);
    return b.length() == 0 ? fallback : b.toString();
  }

  private static boolean isAsciiAlphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }

  private static String describe(char c) { return String.format("U+%04X", (int) c); }

  /** The value as shown in a message: printable, and cut so a hostile value cannot flood a log line. */
  private static String quoted(String value) {
    StringBuilder b = new StringBuilder("'");
    for (int i = 0; i < Math.min(value.length(), 64); i++) {
      char c = value.charAt(i);
      b.append(Character.isISOControl(c) ? '?' : c);
    }
    return b.append(value.length() > 64 ? "...'" : "'").toString();
  }
}
