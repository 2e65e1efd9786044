package dev.addp.schemas.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/**
 * A thin client of the Confluent Schema Registry REST API (register, lookup, get by id,
 * compatibility), usable against Confluent SR, Apicurio's /apis/ccompat/v7, Karapace or Redpanda.
 *
 * <p>Written by hand because Confluent's own client jars (io.confluent:kafka-schema-registry-client)
 * are not obtainable from our Maven mirror, and Apicurio's serdes speak only Apicurio's native API.
 * Ids and schemas are immutable in a registry, so both are cached for the life of the client.
 */
public final class SchemaRegistryClient {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final int MAX_CACHED_UNKNOWN_IDS = 10_000;

  private final String baseUrl;
  private final String authorization;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, Integer> idBySubjectAndSchema = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();
  /** Ids the registry said it does not know: hostile input must not turn into one HTTP call per record. */
  private final Set<Integer> unknownIds = ConcurrentHashMap.newKeySet();

  public SchemaRegistryClient(String baseUrl) { this(baseUrl, null, Duration.ofSeconds(10)); }

  /**
   * @param baseUrl e.g. {@code http://host:8081} or {@code http://host:8080/apis/ccompat/v7}
   * @param basicAuthUserInfo {@code user:password} or null
   */
  public SchemaRegistryClient(String baseUrl, String basicAuthUserInfo, Duration requestTimeout) {
    this.baseUrl = baseUrl.replaceAll("/+$", "");
    this.authorization = basicAuthUserInfo == null || basicAuthUserInfo.isBlank() ? null
        : "Basic " + Base64.getEncoder().encodeToString(basicAuthUserInfo.getBytes(StandardCharsets.UTF_8));
    this.requestTimeout = requestTimeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public String baseUrl() { return baseUrl; }

  /** Registers the schema under the subject (idempotent) and returns its global id. */
  public int register(String subject, Schema schema) {
    return idBySubjectAndSchema.computeIfAbsent(subject + '\0' + schema, k -> {
      JsonNode r = send("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema));
      int id = r.get("id").asInt();
      schemaById.putIfAbsent(id, schema);
      return id;
    });
  }

  /** Finds the id of a schema already registered under the subject, without registering it. */
  public int lookup(String subject, Schema schema) {
    return idBySubjectAndSchema.computeIfAbsent(subject + '\0' + schema, k -> {
      JsonNode r = send("POST", "/subjects/" + enc(subject), schemaBody(schema));
      int id = r.get("id").asInt();
      schemaById.putIfAbsent(id, schema);
      return id;
    });
  }

  /** The writer schema for an id found in a record. */
  public Schema schemaById(int id) {
    Schema cached = schemaById.get(id);
    if (cached != null) return cached;
    if (unknownIds.contains(id)) throw new UnknownSchemaIdException(id, "(cached answer)");
    try {
      JsonNode r = send("GET", "/schemas/ids/" + id, null);
      Schema.Parser parser = new Schema.Parser();
      parseReferences(r.path("references"), parser, new java.util.HashSet<>());
      Schema schema = parser.parse(r.get("schema").asText());
      schemaById.putIfAbsent(id, schema);
      return schema;
    } catch (SchemaRegistryException e) {
      if (e.httpStatus() != 404) throw e;
      if (unknownIds.size() < MAX_CACHED_UNKNOWN_IDS) unknownIds.add(id);
      throw new UnknownSchemaIdException(id, e.getMessage());
    }
  }

  /**
   * Schema references (Confluent 5.5+; Apicurio's serdes register nested named types this way):
   * each referenced subject version is parsed into the parser first, depth first, so the schema
   * that names them resolves.
   */
  private void parseReferences(JsonNode references, Schema.Parser parser, Set<String> seen) {
    for (JsonNode ref : references) {
      String key = ref.path("subject").asText() + "/" + ref.path("version").asText();
      if (!seen.add(key)) continue;
      JsonNode r = send("GET", "/subjects/" + enc(ref.path("subject").asText()) + "/versions/" + ref.path("version").asText(), null);
      parseReferences(r.path("references"), parser, seen);
      String name = ref.path("name").asText();
      if (!parser.getTypes().containsKey(name)) parser.parse(r.get("schema").asText());
    }
  }

  /** Whether the schema could be registered as the subject's next version under its compatibility rule. */
  public boolean isCompatibleWithLatest(String subject, Schema schema) {
    JsonNode r = send("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest", schemaBody(schema));
    return r.path("is_compatible").asBoolean(false);
  }

  /** Sets the subject's compatibility level (BACKWARD, FORWARD, FULL, NONE, ... and the _TRANSITIVE forms). */
  public void setCompatibility(String subject, String level) {
    send("PUT", "/config/" + enc(subject), "{\"compatibility\":\"" + level + "\"}");
  }

  private String schemaBody(Schema schema) {
    try {
      return json.writeValueAsString(Map.of("schema", schema.toString()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private JsonNode send(String method, String path, String body) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(baseUrl + path))
        .timeout(requestTimeout)
        .header("Accept", CONTENT_TYPE)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) b.header("Content-Type", CONTENT_TYPE);
    if (authorization != null) b.header("Authorization", authorization);
    HttpResponse<String> response;
    try {
      response = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new RegistryUnavailableException("schema registry at " + baseUrl + " is unreachable (" + method + " " + path + "): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryUnavailableException("interrupted while calling the schema registry at " + baseUrl, e);
    }
    int status = response.statusCode();
    if (status >= 500) {
      throw new RegistryUnavailableException("schema registry at " + baseUrl + " failed (" + method + " " + path + "): HTTP "
          + status + " " + response.body(), null);
    }
    JsonNode node = parse(response.body());
    if (status >= 300) {
      String message = node.path("message").asText(response.body());
      throw new SchemaRegistryException("schema registry " + method + " " + path + ": HTTP " + status + ": " + message,
          status, node.path("error_code").asInt(-1));
    }
    return node;
  }

  private JsonNode parse(String body) {
    try {
      return json.readTree(body == null || body.isEmpty() ? "{}" : body);
    } catch (IOException e) {
      return json.createObjectNode().put("message", body);
    }
  }

  private static String enc(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8); }
}
