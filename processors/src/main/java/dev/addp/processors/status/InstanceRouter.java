package dev.addp.processors.status;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Status instances share one Kafka Streams application, so each holds only its partitions of the
 * tables. A {@code GET} for one key goes to the instance that holds the key's partition
 * ({@link KafkaStreams#queryMetadataForKey}, from the {@code application.server} every instance
 * advertises): this one answers itself, another is asked over HTTP and its answer relayed. When
 * the owner cannot be reached (it died, and the group has not noticed yet), an instance holding a
 * standby replica of the partition answers from it, possibly a few updates behind. A forwarded
 * request is never forwarded again, so two instances with different views of the group cannot
 * bounce a request between them.
 */
public final class InstanceRouter {
  /** Set on a forwarded request: answer from local state, do not forward. */
  public static final String FORWARDED = "X-Addp-Forwarded";
  /** On every answer about one key: the instance ({@code host:port}) that read it from its state. */
  public static final String SERVED_BY = "X-Addp-Served-By";
  /**
   * Which copy of the key's partition answered: {@code active} (the owner's, current) or
   * {@code standby} (a replica's, a few updates behind while the owner is gone or moving).
   */
  public static final String SERVED_FROM = "X-Addp-Served-From";
  private static final Logger log = LoggerFactory.getLogger(InstanceRouter.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final KafkaStreams streams;
  private final HostInfo self;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  public InstanceRouter(KafkaStreams streams, HostInfo self) {
    this.streams = streams;
    this.self = self;
  }

  public HostInfo self() { return self; }

  /**
   * Answers {@code ex} from the instance that holds {@code key} of {@code store} when that is not
   * this one. Returns false when this instance should answer from its own state (it owns the key,
   * holds a replica of it while the owner is unreachable, the request was already forwarded, or
   * the group's metadata is not known yet, which the local read reports).
   */
  public boolean forwarded(HttpExchange ex, String store, String key) throws IOException {
    KeyQueryMetadata where;
    try {
      where = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
    } catch (RuntimeException notReady) {
      where = null;
    }
    boolean known = where != null && where != KeyQueryMetadata.NOT_AVAILABLE;
    if (ex.getRequestHeaders().containsKey(FORWARDED) || !known || self.equals(where.activeHost())) {
      answeredHere(ex, known && self.equals(where.activeHost()) ? "active" : "standby");
      return false;
    }
    if (relay(ex, where.activeHost())) return true;
    if (where.standbyHosts().contains(self)) {
      answeredHere(ex, "standby");
      return false;
    }
    for (HostInfo standby : where.standbyHosts()) {
      if (relay(ex, standby)) return true;
    }
    byte[] body = ("{\"error\":" + JSON.valueToTree("the status instance holding '" + key + "' (" + where.activeHost()
        + ") cannot be reached, and no replica answered") + "}").getBytes(StandardCharsets.UTF_8);
    send(ex, 503, "application/json", body);
    return true;
  }

  private void answeredHere(HttpExchange ex, String copy) {
    ex.getResponseHeaders().set(SERVED_BY, self.host() + ":" + self.port());
    ex.getResponseHeaders().set(SERVED_FROM, copy);
  }

  /**
   * The JSON arrays the other instances answer to the same list request from their own state
   * (instances that cannot be reached are left out and logged).
   */
  public List<JsonNode> otherInstancesLists(HttpExchange ex, String store) {
    List<JsonNode> rows = new ArrayList<>();
    if (ex.getRequestHeaders().containsKey(FORWARDED)) return rows;
    for (StreamsMetadata instance : streams.streamsMetadataForStore(store)) {
      if (self.equals(instance.hostInfo())) continue;
      try {
        HttpResponse<byte[]> r = http.send(request(ex, instance.hostInfo()), HttpResponse.BodyHandlers.ofByteArray());
        JsonNode list = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
        if (list != null && list.isArray()) list.forEach(rows::add);
        else log.warn("status instance {} answered {} to {}", instance.hostInfo(), r.statusCode(), ex.getRequestURI());
      } catch (IOException e) {
        log.warn("status instance {} unreachable for {}: {}", instance.hostInfo(), ex.getRequestURI(), e.toString());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return rows;
  }

  /**
   * What the instance owning {@code key} answers to {@code GET path} (a JSON object), or null when
   * this instance is the owner, the owner is unknown or unreachable, or it does not know the key.
   */
  public JsonNode fetchFromOwner(String store, String key, String path) throws IOException {
    KeyQueryMetadata where;
    try {
      where = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
    } catch (RuntimeException notReady) {
      return null;
    }
    if (where == null || where == KeyQueryMetadata.NOT_AVAILABLE || self.equals(where.activeHost())) return null;
    HostInfo owner = where.activeHost();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + owner.host() + ":" + owner.port() + path)).timeout(TIMEOUT)
        .header(FORWARDED, self.host() + ":" + self.port()).GET().build();
    try {
      HttpResponse<byte[]> r = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      log.info("status instance {} unreachable for {}: {}", owner, path, e.toString());
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted asking " + owner, e);
    }
  }

  /** Asks {@code host} the same question and relays its answer; false when it cannot be reached. */
  private boolean relay(HttpExchange ex, HostInfo host) throws IOException {
    HttpResponse<byte[]> r;
    try {
      r = http.send(request(ex, host), HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      log.info("status instance {} unreachable for {}: {}", host, ex.getRequestURI(), e.toString());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted forwarding to " + host, e);
    }
    ex.getResponseHeaders().set(SERVED_BY, r.headers().firstValue(SERVED_BY).orElse(host.host() + ":" + host.port()));
    r.headers().firstValue(SERVED_FROM).ifPresent(copy -> ex.getResponseHeaders().set(SERVED_FROM, copy));
    send(ex, r.statusCode(), r.headers().firstValue("Content-Type").orElse("application/octet-stream"), r.body());
    return true;
  }

  private HttpRequest request(HttpExchange ex, HostInfo host) {
    URI uri = URI.create("http://" + host.host() + ":" + host.port() + ex.getRequestURI().getRawPath()
        + (ex.getRequestURI().getRawQuery() == null ? "" : "?" + ex.getRequestURI().getRawQuery()));
    return HttpRequest.newBuilder(uri).timeout(TIMEOUT).header(FORWARDED, self.host() + ":" + self.port()).GET().build();
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
