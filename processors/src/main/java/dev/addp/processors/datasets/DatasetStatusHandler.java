package dev.addp.processors.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.addp.avro.DatasetProgress;
import dev.addp.processors.status.InstanceRouter;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * {@code GET /datasets/{id}} (one dataset's progress) and {@code GET /datasets} (up to 1,000), from
 * the progress table: one dataset from the instance that holds it, the list from every instance.
 */
public final class DatasetStatusHandler implements HttpHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LIST_LIMIT = 1000;

  private final KafkaStreams streams;
  private final InstanceRouter router;

  public DatasetStatusHandler(KafkaStreams streams, InstanceRouter router) {
    this.streams = streams;
    this.router = router;
  }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    if (!"GET".equals(ex.getRequestMethod())) {
      send(ex, 405, error("GET only"));
      return;
    }
    String path = ex.getRequestURI().getRawPath().replaceAll("/+$", "");
    if (path.equals("/datasets")) {
      ReadOnlyKeyValueStore<String, DatasetProgress> store = store(ex, false);
      if (store == null) return;
      Map<String, JsonNode> rows = new TreeMap<>();
      try (KeyValueIterator<String, DatasetProgress> it = store.all()) {
        while (it.hasNext() && rows.size() < LIST_LIMIT) {
          DatasetProgress p = it.next().value;
          rows.put(p.getDataset(), toJson(p));
        }
      }
      for (JsonNode row : router.otherInstancesLists(ex, DatasetProgressTopology.PROGRESS_STORE)) {
        if (rows.size() >= LIST_LIMIT) break;
        rows.putIfAbsent(row.path("dataset").asText(), row);
      }
      ArrayNode list = JSON.createArrayNode();
      rows.values().forEach(list::add);
      send(ex, 200, JSON.writeValueAsBytes(list));
      return;
    }
    String id = URLDecoder.decode(path.substring("/datasets/".length()), StandardCharsets.UTF_8);
    if (router.forwarded(ex, DatasetProgressTopology.PROGRESS_STORE, id)) return;
    ReadOnlyKeyValueStore<String, DatasetProgress> store = store(ex, true);
    if (store == null) return;
    DatasetProgress p = store.get(id);
    if (p == null) send(ex, 404, error("no dataset " + id));
    else send(ex, 200, JSON.writeValueAsBytes(toJson(p)));
  }

  /** This instance's part of the table (with {@code replicas}, standby copies too); null after answering 503 while not ready. */
  private ReadOnlyKeyValueStore<String, DatasetProgress> store(HttpExchange ex, boolean replicas) throws IOException {
    StoreQueryParameters<ReadOnlyKeyValueStore<String, DatasetProgress>> q =
        StoreQueryParameters.fromNameAndType(DatasetProgressTopology.PROGRESS_STORE, QueryableStoreTypes.keyValueStore());
    try {
      return streams.store(replicas ? q.enableStaleStores() : q);
    } catch (InvalidStateStoreException e) {
      send(ex, 503, error("dataset progress table not ready: " + e.getMessage()));
      return null;
    }
  }

  /** The JSON form the CLI and other clients read. */
  public static ObjectNode toJson(DatasetProgress p) {
    ObjectNode n = JSON.createObjectNode();
    n.put("dataset", p.getDataset());
    n.put("total", p.getTotal());
    n.put("annotated", p.getAnnotated());
    n.put("dead_lettered", p.getDeadLettered());
    ObjectNode reasons = n.putObject("dead_lettered_by_reason");
    new TreeMap<>(p.getDeadLetteredByReason()).forEach(reasons::put);
    n.put("accounted", p.getAnnotated() + p.getDeadLettered());
    n.put("complete", p.getComplete());
    n.put("completed_at_ms", p.getCompletedAtMs());
    n.put("updated_at_ms", p.getUpdatedAtMs());
    return n;
  }

  private static byte[] error(String message) {
    return ("{\"error\":" + JSON.valueToTree(message) + "}").getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "application/json");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
