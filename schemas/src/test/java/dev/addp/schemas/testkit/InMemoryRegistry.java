package dev.addp.schemas.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/**
 * The few Confluent Schema Registry endpoints the project's client calls (register, lookup, get by
 * id), in memory over HTTP on a free local port: unit tests run the real serdes and the real client
 * without a registry process. Ids are global and shared by equal schemas, as in a real registry.
 * {@link #setDown} answers HTTP 503 to everything, as an overloaded or restarting registry does.
 */
public final class InMemoryRegistry implements AutoCloseable {
  private final ObjectMapper json = new ObjectMapper();
  private final HttpServer server;
  private final Map<String, Integer> idBySchema = new ConcurrentHashMap<>();
  private final Map<Integer, String> schemaById = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Integer>> subjects = new ConcurrentHashMap<>();
  private final AtomicInteger nextId = new AtomicInteger(1);
  private volatile boolean down;

  public InMemoryRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", this::handle);
    server.start();
  }

  public String url() { return "http://127.0.0.1:" + server.getAddress().getPort(); }

  public void setDown(boolean down) { this.down = down; }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      if (down) {
        reply(x, 503, Map.of("error_code", 50301, "message", "registry is down (test)"));
        return;
      }
      String path = x.getRequestURI().getRawPath();
      String method = x.getRequestMethod();
      if (method.equals("GET") && path.startsWith("/schemas/ids/")) {
        String schema = schemaById.get(Integer.parseInt(path.substring("/schemas/ids/".length())));
        if (schema == null) reply(x, 404, Map.of("error_code", 40403, "message", "Schema not found"));
        else reply(x, 200, Map.of("schema", schema));
      } else if (method.equals("POST") && path.startsWith("/subjects/")) {
        String rest = path.substring("/subjects/".length());
        boolean register = rest.endsWith("/versions");
        String subject = URLDecoder.decode(register ? rest.substring(0, rest.length() - "/versions".length()) : rest, StandardCharsets.UTF_8);
        JsonNode body = json.readTree(x.getRequestBody());
        String canonical = new Schema.Parser().parse(body.get("schema").asText()).toString();
        Map<String, Integer> versions = subjects.computeIfAbsent(subject, s -> new ConcurrentHashMap<>());
        Integer id = versions.get(canonical);
        if (id == null && register) {
          id = idBySchema.computeIfAbsent(canonical, c -> nextId.getAndIncrement());
          schemaById.putIfAbsent(id, canonical);
          versions.put(canonical, id);
        }
        if (id == null) reply(x, 404, Map.of("error_code", 40403, "message", "Schema not found under " + subject));
        else reply(x, 200, Map.of("id", id));
      } else {
        reply(x, 404, Map.of("error_code", 404, "message", "not served by the in-memory registry: " + method + " " + path));
      }
    }
  }

  private void reply(HttpExchange x, int status, Map<String, ?> body) throws IOException {
    byte[] bytes = json.writeValueAsBytes(body);
    x.getResponseHeaders().set("Content-Type", "application/vnd.schemaregistry.v1+json");
    x.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(bytes);
    }
  }

  @Override
  public void close() { server.stop(0); }
}
