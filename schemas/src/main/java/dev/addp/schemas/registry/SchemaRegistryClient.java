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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.apache.avro.Schema;

/**
 * A thin client of the Confluent Schema Registry REST API (register, lookup, get by id,
 * compatibility), usable against Confluent SR, Apicurio's /apis/ccompat/v7, Karapace or Redpanda.
 *
 * <p>Written by hand because Confluent's own client jars (io.confluent:kafka-schema-registry-client)
 * are not obtainable from our Maven mirror, and Apicurio's serdes speak only Apicurio's native API.
 * Ids and schemas are immutable in a registry, so both are cached for the life of the client (ids
 * keyed by subject and schema fingerprint). Registration is idempotent under concurrency: a registry
 * that answers 409 because another client registered the same schema a moment earlier is asked for
 * the id instead. Calls that find the registry unavailable are retried with bounded back-off. "No
 * such id" is remembered only briefly ({@code unknownIdTtl}): a producer may register a schema and
 * send a record with its id at once, and a cached miss must not dead-letter its records for good.
 */
public final class SchemaRegistryClient {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final int MAX_CACHED_UNKNOWN_IDS = 10_000;
  /** Rounds of register-then-lookup when a 409 races with a registration not yet visible to lookups. */
  private static final int CONFLICT_ROUNDS = 3;
  public static final Duration DEFAULT_UNKNOWN_ID_TTL = Duration.ofSeconds(5);

  private final String baseUrl;
  private final String authorization;
  private final HttpClient http;
  private final Duration requestTimeout;
  private final ObjectMapper json = new ObjectMapper();
  private final RegistryRetry retry;
  private final long unknownIdTtlNanos;
  private final LongSupplier nanoClock;
  private final Map<String, Integer> idBySubjectAndFingerprint = new ConcurrentHashMap<>();
  private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();
  /** Ids the registry said it does not know, until when: hostile input must not turn into one HTTP call per record. */
  private final Map<Integer, Long> unknownIdUntilNanos = new ConcurrentHashMap<>();

  public SchemaRegistryClient(String baseUrl) { this(baseUrl, null, Duration.ofSeconds(10)); }

  public SchemaRegistryClient(String baseUrl, String basicAuthUserInfo, Duration requestTimeout) {
    this(baseUrl, basicAuthUserInfo, requestTimeout, RegistryRetry.DEFAULT, DEFAULT_UNKNOWN_ID_TTL, System::nanoTime);
  }

  /**
   * @param baseUrl e.g. {@code http://host:8081} or {@code http://host:8080/apis/ccompat/v7}
   * @param basicAuthUserInfo {@code user:password} or null
   */
  public SchemaRegistryClient(String baseUrl, String basicAuthUserInfo, Duration requestTimeout, RegistryRetry retry,
                              Duration unknownIdTtl, LongSupplier nanoClock) {
    this.retry = retry;
    this.unknownIdTtlNanos = unknownIdTtl.toNanos();
    this.nanoClock = nanoClock;
    // a login written into the URL (http://user:password@host) becomes the basic-auth header, so the
    // URL this client shows in its messages and logs never carries the password
    URI parsed = URI.create(baseUrl.replaceAll("/+$", ""));
    String urlLogin = parsed.getRawUserInfo() == null ? null : java.net.URLDecoder.decode(parsed.getRawUserInfo(), StandardCharsets.UTF_8);
    this.baseUrl = urlLogin == null ? parsed.toString() : parsed.toString().replaceFirst("//[^@/]*@", "//");
    String login = basicAuthUserInfo != null && !basicAuthUserInfo.isBlank() ? basicAuthUserInfo : urlLogin;
    this.authorization = login == null || login.isBlank() ? null
        : "Basic " + Base64.getEncoder().encodeToString(login.getBytes(StandardCharsets.UTF_8));
    this.requestTimeout = requestTimeout;
    this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  }

  public String baseUrl() { return baseUrl; }

  /** Registers the schema under the subject (idempotent, also when other clients register it concurrently) and returns its global id. */
  public int register(String subject, Schema schema) {
    return idBySubjectAndFingerprint.computeIfAbsent(key(subject, schema), k -> remember(registerOrFind(subject, schema), schema));
  }

  /** Finds the id of a schema already registered under the subject, without registering it. */
  public int lookup(String subject, Schema schema) {
    return idBySubjectAndFingerprint.computeIfAbsent(key(subject, schema), k -> remember(find(subject, schema), schema));
  }

  private int registerOrFind(String subject, Schema schema) {
    SchemaRegistryException conflict = null;
    for (int round = 0; round < CONFLICT_ROUNDS; round++) {
      try {
        return send("POST", "/subjects/" + enc(subject) + "/versions", schemaBody(schema)).get("id").asInt();
      } catch (SchemaRegistryException e) {
        if (e.httpStatus() != 409) throw e;
        conflict = e; // someone else registered it first, or it is incompatible: the lookup tells which
      }
      try {
        return find(subject, schema);
      } catch (SchemaRegistryException e) {
        if (e.httpStatus() != 404) throw e; // not visible yet, or really incompatible: register again
      }
    }
    throw conflict;
  }

  private int find(String subject, Schema schema) {
    return send("POST", "/subjects/" + enc(subject), schemaBody(schema)).get("id").asInt();
  }

  private int remember(int id, Schema schema) {
    schemaById.putIfAbsent(id, schema);
    return id;
  }

  /** The writer schema for an id found in a record. */
  public Schema schemaById(int id) {
    Schema cached = schemaById.get(id);
    if (cached != null) return cached;
    Long until = unknownIdUntilNanos.get(id);
    if (until != null) {
      if (nanoClock.getAsLong() - until < 0) throw new UnknownSchemaIdException(id, "(answer cached for up to "
          + Duration.ofNanos(unknownIdTtlNanos).toMillis() + " ms)");
      unknownIdUntilNanos.remove(id, until);
    }
    try {
      JsonNode r = send("GET", "/schemas/ids/" + id, null);
      Schema.Parser parser = new Schema.Parser();
      parseReferences(r.path("references"), parser, new java.util.HashSet<>());
      Schema schema = parser.parse(r.get("schema").asText());
      schemaById.putIfAbsent(id, schema);
      return schema;
    } catch (SchemaRegistryException e) {
      if (e.httpStatus() != 404) throw e;
      rememberUnknown(id);
      throw new UnknownSchemaIdException(id, e.getMessage());
    }
  }

  private void rememberUnknown(int id) {
    long now = nanoClock.getAsLong();
    if (unknownIdUntilNanos.size() >= MAX_CACHED_UNKNOWN_IDS) unknownIdUntilNanos.values().removeIf(until -> now - until >= 0);
    if (unknownIdUntilNanos.size() < MAX_CACHED_UNKNOWN_IDS) unknownIdUntilNanos.put(id, now + unknownIdTtlNanos);
  }

  /** Subject plus a digest of the schema's full text (docs and defaults included: they are part of what is registered). */
  private static String key(String subject, Schema schema) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(schema.toString().getBytes(StandardCharsets.UTF_8));
      return subject + '\0' + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
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
    return retry.call(() -> sendOnce(method, path, body));
  }

  private JsonNode sendOnce(String method, String path, String body) {
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
