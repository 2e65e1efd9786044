package dev.addp.schemas.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback HTTP server answering the few Confluent registry calls the client makes, with scripted
 * answers per path prefix (status + body), so the client's conflict and retry paths can be tested
 * without a registry. Unscripted calls get the default answer of their route.
 */
final class FakeConfluentRegistry implements AutoCloseable {
  record Answer(int status, String body) { }

  private final HttpServer server;
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final Deque<Answer> registerAnswers = new ArrayDeque<>();
  private final Deque<Answer> lookupAnswers = new ArrayDeque<>();
  private final Deque<Answer> byIdAnswers = new ArrayDeque<>();
  private volatile Answer registerDefault = new Answer(200, "{\"id\":1}");
  private volatile Answer lookupDefault = new Answer(200, "{\"subject\":\"s\",\"version\":1,\"id\":1,\"schema\":\"\\\"string\\\"\"}");
  private volatile Answer byIdDefault = new Answer(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");

  FakeConfluentRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  String url() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

  List<String> calls() { return calls; }

  synchronized FakeConfluentRegistry onRegister(int status, String body) { registerAnswers.add(new Answer(status, body)); return this; }
  synchronized FakeConfluentRegistry onLookup(int status, String body) { lookupAnswers.add(new Answer(status, body)); return this; }
  synchronized FakeConfluentRegistry onSchemaById(int status, String body) { byIdAnswers.add(new Answer(status, body)); return this; }
  void registerDefault(int status, String body) { registerDefault = new Answer(status, body); }
  void lookupDefault(int status, String body) { lookupDefault = new Answer(status, body); }
  void byIdDefault(int status, String body) { byIdDefault = new Answer(status, body); }

  private void handle(HttpExchange x) throws IOException {
    x.getRequestBody().readAllBytes();
    String path = x.getRequestURI().getPath();
    String call = x.getRequestMethod() + " " + path;
    calls.add(call);
    Answer a;
    synchronized (this) {
      if (call.startsWith("POST /subjects/") && path.endsWith("/versions")) a = next(registerAnswers, registerDefault);
      else if (call.startsWith("POST /subjects/")) a = next(lookupAnswers, lookupDefault);
      else if (call.startsWith("GET /schemas/ids/")) a = next(byIdAnswers, byIdDefault);
      else a = new Answer(404, "{\"error_code\":404,\"message\":\"no route\"}");
    }
    byte[] body = a.body().getBytes(StandardCharsets.UTF_8);
    x.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
    x.sendResponseHeaders(a.status(), body.length);
    x.getResponseBody().write(body);
    x.close();
  }

  private static Answer next(Deque<Answer> scripted, Answer fallback) {
    Answer a = scripted.poll();
    return a == null ? fallback : a;
  }

  long count(String prefix) { return calls.stream().filter(c -> c.startsWith(prefix)).count(); }

  @Override
  public void close() { server.stop(0); }
}
