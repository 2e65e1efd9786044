package dev.addp.processors.datasets;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.addp.avro.DatasetProgress;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.TreeMap;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** {@code GET /datasets/{id}} (one dataset's progress) and {@code GET /datasets} (up to 1,000), from the progress table. */
public final class DatasetStatusHandler implements HttpHandler {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int LIST_LIMIT = 1000;

  private final KafkaStreams streams;

  public DatasetStatusHandler(KafkaStreams streams) { this.streams = streams; }

  @Override
  public void handle(HttpExchange ex) throws IOException {
    if (!"GET".equals(ex.getRequestMethod())) {
      send(ex, 405, error("GET only"));
      return;
    }
    String path = ex.getRequestURI().getRawPath().replaceAll("/+$", "");
    ReadOnlyKeyValueStore<String, DatasetProgress> store;
    try {
      store = streams.store(StoreQueryParameters.fromNameAndType(DatasetProgressTopology.PROGRESS_STORE,
          QueryableStoreTypes.keyValueStore()));
    } catch (InvalidStateStoreException e) {
      send(ex, 503, error("dataset progress table not ready: " + e.getMessage()));
      return;
    }
    if (path.equals("/datasets")) {
      ArrayNode list = JSON.createArrayNode();
      try (KeyValueIterator<String, DatasetProgress> it = store.all()) {
        while (it.hasNext() && list.size() < LIST_LIMIT) list.add(toJson(it.next().value));
      }
      send(ex, 200, JSON.writeValueAsBytes(list));
      return;
    }
    String id = URLDecoder.decode(path.substring("/datasets/".length()), StandardCharsets.UTF_8);
    DatasetProgress p = store.get(id);
    if (p == null) send(ex, 404, error("no dataset " + id));
    else send(ex, 200, JSON.writeValueAsBytes(toJson(p)));
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
