package dev.addp.platform.config;

import java.net.URI;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one rule for what a log, a printed configuration or an error message may show of a setting:
 * secret keys ({@code *password*}, {@code *passphrase*}, {@code *secret*}, {@code *token*},
 * {@code *jaas*}, {@code *credential*}, {@code *user.info}, private keys such as
 * {@code ssl.keystore.key}) show {@code ****}; any other value shows with the password of a URL's
 * user-info hidden ({@code http://user:****@host}).
 */
public final class Redaction {
  public static final String HIDDEN = "****";
  private static final Pattern URL_USER_INFO = Pattern.compile("([a-zA-Z][a-zA-Z0-9+.-]*://)([^/@\\s:]*):([^/@\\s]*)@");

  private Redaction() { }

  public static boolean isSecret(String key) {
    String k = key.toLowerCase(Locale.ROOT);
    return k.contains("password") || k.contains("passphrase") || k.contains("secret") || k.contains("token")
        || k.contains("jaas") || k.contains("credential") || k.contains("user.info") || k.endsWith(".key")
        || k.endsWith("private.key") || k.endsWith("keystore.key");
  }

  /** The value as it may be shown. */
  public static String shown(String key, String value) {
    if (value == null) return null;
    return isSecret(key) ? HIDDEN : withoutUrlPasswords(value);
  }

  /** Any {@code scheme://user:password@} in the text with the password hidden. */
  public static String withoutUrlPasswords(String text) {
    if (text == null || text.indexOf('@') < 0) return text;
    Matcher m = URL_USER_INFO.matcher(text);
    return m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + r.group(2) + ":" + HIDDEN + "@"));
  }

  /** A URL for messages: without its password. */
  public static String url(URI uri) { return withoutUrlPasswords(uri.toString()); }
}
