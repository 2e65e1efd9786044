package dev.addp.processors.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.addp.avro.GenerationEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read-only HTTP view of the job-status table: {@code GET /jobs/{id}}, {@code GET /jobs} (up to
 * 1,000 jobs), {@code GET /jobs/{id}/preview.png} while a job has a preview, {@code GET /health}.
 * One status instance serves every job (run one, or put several behind a key-aware router).
 */
public final class JobStatusServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LIST_LIMIT = 1000;

  private final HttpServer server;
  private final KafkaStreams streams;

  public JobStatusServer(KafkaStreams streams, String host, int port) throws IOException {
    this.streams = streams;
    this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
    server.createContext("/jobs", this::jobs);
    server.createContext("/datasets", new dev.addp.processors.datasets.DatasetStatusHandler(streams));
    server.createContext("/health", ex -> send(ex, streams.state() == KafkaStreams.State.RUNNING ? 200 : 503,
        "text/plain", streams.state().toString().getBytes(StandardCharsets.UTF_8)));
    // a few handler threads and a bounded queue: a flood of slow requests waits in the accept queue, not in memory
    server.setExecutor(executor);
    server.start();
  }

  private final java.util.concurrent.ExecutorService executor =
      new java.util.concurrent.ThreadPoolExecutor(4, 4, 0, java.util.concurrent.TimeUnit.SECONDS,
        new java.util.concurrent.ArrayBlockingQueue<>(64), r -> {
          Thread t = new Thread(r, "status-http");
          t.setDaemon(true);
          return t;
        }, new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());

  /** A job's latest status, or null when the table has none. */
  public GenerationEvent job(String id) {
    return streams.store(StoreQueryParameters.fromNameAndType(JobStatusTopology.STORE, QueryableStoreTypes.<String, GenerationEvent>keyValueStore()))
        .get(id);
  }

  public int port() { return server.getAddress().getPort(); }

  /** Serves more pages on this server's port (the web console). */
  public void route(String path, com.sun.net.httpserver.HttpHandler handler) { server.createContext(path, handler); }

  private void jobs(HttpExchange ex) throws IOException {
    if (!"GET".equals(ex.getRequestMethod())) {
      send(ex, 405, "text/plain", "GET only".getBytes(StandardCharsets.UTF_8));
      return;
    }
    String path = ex.getRequestURI().getRawPath().replaceAll("/+$", "");
    ReadOnlyKeyValueStore<String, GenerationEvent> store;
    try {
      store = streams.store(StoreQueryParameters.fromNameAndType(JobStatusTopology.STORE, QueryableStoreTypes.keyValueStore()));
    } catch (InvalidStateStoreException e) {
      send(ex, 503, "application/json", error("job-status table not ready: " + e.getMessage()));
      return;
    }
    if (path.equals("/jobs")) {
      ArrayNode list = JSON.createArrayNode();
      try (KeyValueIterator<String, GenerationEvent> it = store.all()) {
        while (it.hasNext() && list.size() < LIST_LIMIT) list.add(toJson(it.next().value));
      }
      send(ex, 200, "application/json", JSON.writeValueAsBytes(list));
      return;
    }
    boolean preview = path.endsWith("/preview.png");
    String id = URLDecoder.decode(path.substring("/jobs/".length(), preview ? path.length() - "/preview.png".length() : path.length()),
        StandardCharsets.UTF_8);
    GenerationEvent e = store.get(id);
    if (e == null) {
      send(ex, 404, "application/json", error("no job " + id));
    } else if (preview) {
      ByteBuffer png = e.getPreviewPng();
      if (png == null) send(ex, 404, "application/json", error("job " + id + " has no preview now"));
      else send(ex, 200, "image/png", bytes(png));
    } else {
      send(ex, 200, "application/json", JSON.writeValueAsBytes(toJson(e)));
    }
  }

  /** The status as JSON (the preview image is served separately). */
  public static ObjectNode toJson(GenerationEvent e) {
    ObjectNode n = JSON.createObjectNode();
    n.put("job_id", e.getJobId());
    n.put("state", e.getState().toString());
    n.put("step", e.getStep());
    n.put("total_steps", e.getTotalSteps());
    n.put("images_done", e.getImagesDone());
    n.put("count", e.getCount());
    n.put("attempt", e.getAttempt());
    n.put("error_type", e.getErrorType() == null ? null : e.getErrorType().toString());
    n.put("reason", e.getReason());
    n.put("worker_id", e.getWorkerId());
    n.put("updated_at_ms", e.getTimestampMs());
    n.put("has_preview", e.getPreviewPng() != null);
    n.put("label", e.getLabel());
    n.put("edit", e.getEdit());
    if (e.getModel() != null) {
      n.putObject("model").put("name", e.getModel().getName()).put("version", e.getModel().getVersion()).put("sha256", e.getModel().getSha256());
    }
    return n;
  }

  private static byte[] error(String message) {
    return ("{\"error\":" + JSON.valueToTree(message) + "}").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
