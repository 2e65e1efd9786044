package dev.addp.embedded;

import java.security.SecureRandom;

/** Random passwords for the embedded broker's generated credentials. */
final class Secrets {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Letters and digits only: the value goes inside a quoted JAAS option and a -D argument. */
  private static final char[] ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789".toCharArray();

  private Secrets() { }

  static String random(int length) {
    char[] c = new char[length];
    for (int i = 0; i < length; i++) c[i] = ALPHABET[RANDOM.nextInt(ALPHABET.length)];
    return new String(c);
  }
}
