package dev.addp.processors.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.JobState;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
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
    // a few handler threads and a bounded queue: a flood of slow requests waits in the accept queue,
    // not in memory; and a handler forwarding to another instance waits on its own thread, so two
    // instances forwarding to each other at the same moment still answer each other
    server.setExecutor(executor);
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

  private final java.util.concurrent.ExecutorService executor =
      new java.util.concurrent.ThreadPoolExecutor(4, 4, 0, java.util.concurrent.TimeUnit.SECONDS,
        new java.util.concurrent.ArrayBlockingQueue<>(64), r -> {
          Thread t = new Thread(r, "status-http");
          t.setDaemon(true);
          return t;
        }, new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());

  /**
   * A job's latest state, or null when the table has none: from this instance's copy when it holds
   * the job's partition, else from the instance that does.
   */
  public JobState jobState(String id) throws IOException {
    GenerationEvent local = streams.store(StoreQueryParameters.fromNameAndType(JobStatusTopology.STORE,
        QueryableStoreTypes.<String, GenerationEvent>keyValueStore()).enableStaleStores()).get(id);
    if (local != null) return local.getState();
    JsonNode remote = router.fetchFromOwner(JobStatusTopology.STORE, id, "/jobs/" + java.net.URLEncoder.encode(id, StandardCharsets.UTF_8));
    return remote == null || !remote.hasNonNull("state") ? null : JobState.valueOf(remote.get("state").asText());
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
    n.put("label", e.getLabel());
    n.put("guidance", e.getGuidance());
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
