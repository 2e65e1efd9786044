package dev.addp.processors.status;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read-only HTTP view of the job-status table: {@code GET /jobs/{id}}, {@code GET /jobs} (up to
 * 1,000 jobs), {@code GET /jobs/{id}/preview.png} while a job has a preview, {@code GET /health};
 * and of the dataset progress table ({@code /datasets}). Any number of status instances may run:
 * each answers for every key, forwarding to the instance that holds it ({@link InstanceRouter}),
 * and a list gathers every instance's rows.
 */
public final class JobStatusServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LIST_LIMIT = 1000;

  private final HttpServer server;
  private final ExecutorService handlers;
  private KafkaStreams streams;
  private InstanceRouter router;

  /** One instance, answering from its own state only (it holds every partition). */
  public JobStatusServer(KafkaStreams streams, String host, int port) throws IOException {
    this(host, port);
    serve(streams, advertised(null));
  }

  /**
   * Binds the port now (so that the Streams application can advertise it, see {@link #advertised})
   * and answers once {@link #serve} has been called.
   */
  public JobStatusServer(String host, int port) throws IOException {
    this.server = HttpServer.create(new InetSocketAddress(host, port), 0);
    // forwarding waits on another instance: handlers run on their own threads, so two instances
    // forwarding to each other at the same moment still answer each other
    this.handlers = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "status-http");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(handlers);
  }

  /**
   * Where other instances reach this one ({@code application.server}): {@code host} when set, else
   * the bound address, or this machine's name when bound to every interface.
   */
  public HostInfo advertised(String host) {
    InetSocketAddress bound = server.getAddress();
    if (host == null || host.isBlank()) {
      host = bound.getAddress().isAnyLocalAddress() ? localHostName() : bound.getAddress().getHostAddress();
    }
    return new HostInfo(host, bound.getPort());
  }

  /** Starts answering from {@code streams}, whose {@code application.server} is {@code self}. */
  public void serve(KafkaStreams streams, HostInfo self) {
    this.streams = streams;
    this.router = new InstanceRouter(streams, self);
    server.createContext("/jobs", this::jobs);
    server.createContext("/datasets", new dev.addp.processors.datasets.DatasetStatusHandler(streams, router));
    server.createContext("/health", ex -> send(ex, streams.state() == KafkaStreams.State.RUNNING ? 200 : 503,
        "text/plain", streams.state().toString().getBytes(StandardCharsets.UTF_8)));
    server.start();
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
    if (path.equals("/jobs")) {
      ReadOnlyKeyValueStore<String, GenerationEvent> store = store(ex, false);
      if (store == null) return;
      Map<String, JsonNode> rows = new TreeMap<>();
      try (KeyValueIterator<String, GenerationEvent> it = store.all()) {
        while (it.hasNext() && rows.size() < LIST_LIMIT) {
          GenerationEvent e = it.next().value;
          rows.put(e.getJobId(), toJson(e));
        }
      }
      for (JsonNode row : router.otherInstancesLists(ex, JobStatusTopology.STORE)) {
        if (rows.size() >= LIST_LIMIT) break;
        rows.putIfAbsent(row.path("job_id").asText(), row);
      }
      ArrayNode list = JSON.createArrayNode();
      rows.values().forEach(list::add);
      send(ex, 200, "application/json", JSON.writeValueAsBytes(list));
      return;
    }
    boolean preview = path.endsWith("/preview.png");
    String id = URLDecoder.decode(path.substring("/jobs/".length(), preview ? path.length() - "/preview.png".length() : path.length()),
        StandardCharsets.UTF_8);
    if (router.forwarded(ex, JobStatusTopology.STORE, id)) return;
    ReadOnlyKeyValueStore<String, GenerationEvent> store = store(ex, true);
    if (store == null) return;
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

  /**
   * This instance's part of the table; with {@code replicas}, standby copies too (one key's answer
   * when its owner is unreachable). Null after answering 503 while the table is not ready.
   */
  private ReadOnlyKeyValueStore<String, GenerationEvent> store(HttpExchange ex, boolean replicas) throws IOException {
    StoreQueryParameters<ReadOnlyKeyValueStore<String, GenerationEvent>> q =
        StoreQueryParameters.fromNameAndType(JobStatusTopology.STORE, QueryableStoreTypes.keyValueStore());
    try {
      return streams.store(replicas ? q.enableStaleStores() : q);
    } catch (InvalidStateStoreException e) {
      send(ex, 503, "application/json", error("job-status table not ready: " + e.getMessage()));
      return null;
    }
  }

  private static String localHostName() {
    try {
      return java.net.InetAddress.getLocalHost().getCanonicalHostName();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException("cannot name this host for other status instances; set status.advertised.host", e);
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
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() {
    server.stop(0);
    handlers.shutdownNow();
  }
}
