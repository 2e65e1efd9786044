package dev.addp.systemtest.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A reverse proxy in front of the registry that REQUIRES HTTP basic auth, as a registry secured
 * by a gateway does: a request without a known user:password gets 401 and never reaches the
 * registry. Counts the requests let through per user, so a test can tell which clients sent
 * their credentials.
 */
public final class BasicAuthProxy implements AutoCloseable {
  private final HttpServer server;
  private final String target;
  private final Map<String, String> passwords;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Map<String, AtomicLong> passedByUser = new ConcurrentHashMap<>();
  private final AtomicLong refused = new AtomicLong();

  private BasicAuthProxy(HttpServer server, String target, Map<String, String> passwords) {
    this.server = server;
    this.target = target.replaceAll("/+$", "");
    this.passwords = passwords;
  }

  /** @param target base URL requests are forwarded to; @param passwords user → password */
  public static BasicAuthProxy start(String target, Map<String, String> passwords) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    BasicAuthProxy proxy = new BasicAuthProxy(server, target, new ConcurrentHashMap<>(passwords));
    server.createContext("/", proxy::handle);
    server.setExecutor(Executors.newFixedThreadPool(4, r -> {
      Thread t = new Thread(r, "registry-auth-proxy");
      t.setDaemon(true);
      return t;
    }));
    server.start();
    return proxy;
  }

  /** The registry's URL through this proxy (same path as the target). */
  public String url() { return "http://127.0.0.1:" + server.getAddress().getPort() + URI.create(target).getRawPath(); }

  public void addUser(String user, String password) { passwords.put(user, password); }

  public long passed(String user) { return passedByUser.getOrDefault(user, new AtomicLong()).get(); }

  public long refused() { return refused.get(); }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String user = authenticatedUser(ex.getRequestHeaders().getFirst("Authorization"));
      if (user == null) {
        refused.incrementAndGet();
        ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
        reply(ex, 401, "application/json", "{\"error_code\":401,\"message\":\"Unauthorized\"}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      passedByUser.computeIfAbsent(user, u -> new AtomicLong()).incrementAndGet();
      String path = ex.getRequestURI().getRawPath().substring(URI.create(target).getRawPath().length());
      String query = ex.getRequestURI().getRawQuery();
      byte[] body;
      try (InputStream in = ex.getRequestBody()) {
        body = in.readAllBytes();
      }
      HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + path + (query == null ? "" : "?" + query)))
          .timeout(Duration.ofSeconds(30))
          .method(ex.getRequestMethod(), body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
      for (String h : new String[] {"Content-Type", "Accept"}) {
        String v = ex.getRequestHeaders().getFirst(h);
        if (v != null) forward.header(h, v);
      }
      HttpResponse<byte[]> r;
      try {
        r = http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        reply(ex, 502, "text/plain", "interrupted".getBytes(StandardCharsets.UTF_8));
        return;
      } catch (IOException e) {
        reply(ex, 502, "text/plain", e.toString().getBytes(StandardCharsets.UTF_8));
        return;
      }
      reply(ex, r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/json"), r.body());
    }
  }

  private String authenticatedUser(String header) {
    if (header == null || !header.startsWith("Basic ")) return null;
    String decoded;
    try {
      decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
    int colon = decoded.indexOf(':');
    if (colon < 0) return null;
    String user = decoded.substring(0, colon);
    return decoded.substring(colon + 1).equals(passwords.get(user)) ? user : null;
  }

  private static void reply(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() { server.stop(0); }
}
