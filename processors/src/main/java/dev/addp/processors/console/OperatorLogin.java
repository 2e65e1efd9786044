package dev.addp.processors.console;

import com.sun.net.httpserver.HttpExchange;
import dev.addp.platform.config.AddpConfig;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Who may change state through the console. An operator proves the configured token
 * ({@value #TOKEN}) once on the login page and gets a session cookie (HttpOnly, SameSite=Strict),
 * or sends it as {@code Authorization: Bearer <token>} from a script. Without a configured token
 * the console is read-only. A state-changing request must also come from the console's own page:
 * a browser's {@code Origin} must name the host it was sent to, and every request must name an
 * allowed host (loopback names, plus {@value #ALLOWED_HOSTS}), so another site's page, or a
 * hostname rebound to this machine, cannot act with the operator's session.
 */
public final class OperatorLogin {
  public static final String TOKEN = "console.operator.token";
  public static final String ALLOWED_HOSTS = "console.allowed.hosts";
  static final String COOKIE = "addp_console_session";
  static final Duration SESSION_TTL = Duration.ofHours(12);
  static final int MAX_SESSIONS = 256;
  private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "[::1]");

  /** Why a request is refused: the HTTP status and a one-line reason. */
  public record Refusal(int status, String reason) { }

  private final byte[] token;
  private final Set<String> allowedHosts;
  private final LongSupplier clock;
  private final SecureRandom random = new SecureRandom();
  /** Session id → expiry (nanos); oldest first, so the map stays bounded by dropping the oldest. */
  private final Map<String, Long> sessions = new LinkedHashMap<>();

  OperatorLogin(String token, Set<String> allowedHosts, LongSupplier clock) {
    this.token = token == null || token.isBlank() ? null : token.getBytes(StandardCharsets.UTF_8);
    this.allowedHosts = Stream.concat(LOOPBACK.stream(), allowedHosts.stream()).map(h -> h.toLowerCase(Locale.ROOT))
        .collect(Collectors.toUnmodifiableSet());
    this.clock = clock;
  }

  public static OperatorLogin from(AddpConfig config) {
    Set<String> hosts = Stream.of(config.get(ALLOWED_HOSTS, "").split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .collect(Collectors.toSet());
    String bound = config.get("status.http.host", "127.0.0.1");
    if (!bound.equals("0.0.0.0") && !bound.equals("::")) hosts.add(bound);
    return new OperatorLogin(config.get(TOKEN, null), hosts, System::nanoTime);
  }

  public boolean enabled() { return token != null; }

  /** Whether the request names a host this console answers for (defeats DNS rebinding). */
  public boolean hostAllowed(HttpExchange ex) { return allowedHosts.contains(hostName(ex.getRequestHeaders().getFirst("Host"))); }

  /** Host header without its port, lower case ("" when absent). */
  static String hostName(String host) {
    if (host == null) return "";
    String h = host.trim().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end < 0 ? h : h.substring(0, end + 1);
    }
    int colon = h.lastIndexOf(':');
    return colon < 0 ? h : h.substring(0, colon);
  }

  /** Whether the request carries a valid session or the token itself. */
  public boolean isOperator(HttpExchange ex) {
    if (token == null) return false;
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) return matches(auth.substring(7).trim());
    String session = cookie(ex.getRequestHeaders().get("Cookie"), COOKIE);
    if (session == null) return false;
    synchronized (sessions) {
      Long until = sessions.get(session);
      if (until == null) return false;
      if (clock.getAsLong() - until > 0) {
        sessions.remove(session);
        return false;
      }
      return true;
    }
  }

  /** Null when a state-changing request may proceed; else why not. */
  public Refusal checkStateChange(HttpExchange ex) {
    if (token == null) return new Refusal(403, "the console is read-only: set " + TOKEN + " to allow operators to act");
    Refusal origin = checkOrigin(ex);
    if (origin != null) return origin;
    if (!isOperator(ex)) return new Refusal(401, "log in as operator first (/console/login)");
    return null;
  }

  /**
   * A browser names the page a request comes from in {@code Origin}; it must be this console. A
   * request without one is not from a browser page (browsers send it on every POST), so only the
   * bearer token, never a cookie, can authorise it.
   */
  Refusal checkOrigin(HttpExchange ex) {
    String origin = ex.getRequestHeaders().getFirst("Origin");
    if (origin == null) {
      String auth = ex.getRequestHeaders().getFirst("Authorization");
      return auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? null
          : new Refusal(403, "a request without an Origin header needs the bearer token");
    }
    String host = ex.getRequestHeaders().getFirst("Host");
    try {
      URI o = URI.create(origin.trim());
      String authority = o.getRawAuthority();
      if (authority != null && host != null && authority.equalsIgnoreCase(host.trim())
          && ("http".equals(o.getScheme()) || "https".equals(o.getScheme()))) {
        return null;
      }
    } catch (IllegalArgumentException malformed) {
      // refused below
    }
    return new Refusal(403, "cross-origin request refused (Origin " + origin + " is not this console)");
  }

  /** Checks a submitted token; on success opens a session and returns its cookie header value, else null. */
  public String login(String submitted) {
    if (token == null || submitted == null || !matches(submitted)) return null;
    byte[] id = new byte[32];
    random.nextBytes(id);
    String session = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
    synchronized (sessions) {
      sessions.put(session, clock.getAsLong() + SESSION_TTL.toNanos());
      while (sessions.size() > MAX_SESSIONS) sessions.remove(sessions.keySet().iterator().next());
    }
    return COOKIE + "=" + session + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" + SESSION_TTL.toSeconds();
  }

  /** Ends the request's session; returns the cookie header value that clears it. */
  public String logout(HttpExchange ex) {
    String session = cookie(ex.getRequestHeaders().get("Cookie"), COOKIE);
    if (session != null) {
      synchronized (sessions) {
        sessions.remove(session);
      }
    }
    return COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  }

  int sessionCount() {
    synchronized (sessions) {
      return sessions.size();
    }
  }

  private boolean matches(String submitted) {
    return MessageDigest.isEqual(token, submitted.getBytes(StandardCharsets.UTF_8));
  }

  static String cookie(List<String> headers, String name) {
    if (headers == null) return null;
    for (String header : headers) {
      for (String part : header.split(";")) {
        int eq = part.indexOf('=');
        if (eq > 0 && part.substring(0, eq).trim().equals(name)) return part.substring(eq + 1).trim();
      }
    }
    return null;
  }
}
