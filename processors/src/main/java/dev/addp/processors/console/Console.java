package dev.addp.processors.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.addp.avro.CancelCommand;
import dev.addp.avro.Classification;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.JobState;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.metrics.ConsumerGroupLag;
import dev.addp.processors.status.JobStatusServer;
import dev.addp.schemas.Identifiers;
import dev.addp.schemas.JobStates;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The web console, served by the status role next to its job API: one static page with plain
 * JavaScript (console/index.html) that polls the job table ({@code /jobs}) and the JSON below.
 *
 * <ul>
 *   <li>{@code GET /console/api/recognition}: the latest results; {@code .../{id}/overlay.png} one drawn over its image
 *   <li>{@code GET /console/api/deadletters}: the latest dead letters with their typed reasons
 *   <li>{@code GET /console/api/jobs/{id}/images} and {@code .../images/{index}.png}: a job's generated images;
 *       {@code .../source.png}: an edit job's source
 *   <li>{@code POST /console/api/jobs/{id}/cancel}: a cancel command on the control topic (operator only, for a job
 *       the status table shows queued or running)
 *   <li>{@code GET /console/api/figures}: throughput, mean batch size, consumer lag
 *   <li>{@code GET /console/api/session}: whether this browser is logged in as operator
 *   <li>{@code GET/POST /console/login}, {@code POST /console/logout}: the operator session ({@link OperatorLogin})
 * </ul>
 *
 * <p>Every answer says {@code nosniff} and may not be framed by another page.
 */
public final class Console implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int THROUGHPUT_WINDOW_S = 10;
  private static final Map<String, String> STATIC = Map.of(
      "index.html", "text/html; charset=utf-8", "console.js", "text/javascript; charset=utf-8", "console.css", "text/css; charset=utf-8",
      "login.html", "text/html; charset=utf-8");
  private static final int MAX_LOGIN_BODY = 4096;

  private final Topics topics;
  private final AvroSerdes serdes;
  private final RecentRecords recent;
  private final ConsumerGroupLag lag;
  private final KafkaProducer<byte[], byte[]> producer;
  private final OperatorLogin login;
  private final dev.addp.platform.image.ImageProbe probe;
  private JobStatusServer status;

  public Console(KafkaClients clients, AvroSerdes serdes, ConsumerGroupLag lag) {
    this.topics = Topics.from(clients.config());
    this.login = OperatorLogin.from(clients.config());
    this.probe = new dev.addp.platform.image.ImageProbe(dev.addp.platform.image.ImageLimits.from(clients.config()));
    this.serdes = serdes;
    this.lag = lag;
    this.recent = new RecentRecords(new KafkaClients(clients.config()), serdes, RecentRecords.Limits.defaults()).start();
    this.producer = new KafkaClients(clients.config()).producer();
  }

  /** Adds the console's pages to the status server; {@code /} leads to the console. */
  public Console mount(JobStatusServer server) {
    this.status = server;
    server.route("/console", this::handle);
    server.route("/", ex -> {
      if (ex.getRequestURI().getPath().equals("/")) {
        ex.getResponseHeaders().set("Location", "/console/");
        ex.sendResponseHeaders(302, -1);
        ex.close();
      } else {
        send(ex, 404, "text/plain", "not found".getBytes(StandardCharsets.UTF_8));
      }
    });
    return this;
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      String path = ex.getRequestURI().getRawPath();
      String[] parts = path.replaceAll("^/console/?", "").split("/");
      String method = ex.getRequestMethod();
      if (!login.hostAllowed(ex)) {
        send(ex, 403, "text/plain", ("host not allowed: add it to " + OperatorLogin.ALLOWED_HOSTS).getBytes(StandardCharsets.UTF_8));
      } else if (path.equals("/console/login")) {
        login(ex, method);
      } else if (path.equals("/console/logout") && method.equals("POST")) {
        OperatorLogin.Refusal refused = login.checkOrigin(ex);
        if (refused != null) {
          send(ex, refused.status(), "application/json", error(refused.reason()));
        } else {
          ex.getResponseHeaders().add("Set-Cookie", login.logout(ex));
          redirect(ex, "/console/");
        }
      } else if (path.equals("/console/api/session")) {
        json(ex, JSON.createObjectNode().put("operator", login.isOperator(ex)).put("login_enabled", login.enabled()));
      } else if (parts.length == 1 && (parts[0].isEmpty() || STATIC.containsKey(parts[0]))) {
        String name = parts[0].isEmpty() ? "index.html" : parts[0];
        try (InputStream in = Console.class.getResourceAsStream("/console/" + name)) {
          send(ex, 200, STATIC.get(name), in.readAllBytes());
        }
      } else if (path.equals("/console/api/recognition")) {
        json(ex, recognition());
      } else if (path.equals("/console/api/deadletters")) {
        json(ex, deadLetters());
      } else if (path.equals("/console/api/figures")) {
        json(ex, figures());
      } else if (parts.length == 4 && parts[1].equals("recognition") && parts[3].equals("overlay.png")) { // api/recognition/{id}/overlay.png
        overlay(ex, decode(parts[2]));
      } else if (parts.length == 4 && parts[1].equals("jobs") && parts[3].equals("images")) { // api/jobs/{id}/images
        json(ex, jobImages(decode(parts[2])));
      } else if (parts.length == 4 && parts[1].equals("jobs") && parts[3].equals("source.png")) { // api/jobs/{id}/source.png
        jobSource(ex, decode(parts[2]));
      } else if (parts.length == 5 && parts[1].equals("jobs") && parts[3].equals("images") && parts[4].endsWith(".png")) {
        jobImage(ex, decode(parts[2]), Integer.parseInt(parts[4].substring(0, parts[4].length() - 4)));
      } else if (parts.length == 4 && parts[1].equals("jobs") && parts[3].equals("cancel") && method.equals("POST")) {
        cancel(ex, decode(parts[2]));
      } else {
        send(ex, 404, "application/json", error("no such console resource: " + method + " " + path));
      }
    } catch (NumberFormatException e) {
      send(ex, 400, "application/json", error("bad request: " + e.getMessage()));
    } catch (Exception e) {
      send(ex, 503, "application/json", error(e.getClass().getSimpleName() + ": " + e.getMessage()));
    }
  }

  private void login(HttpExchange ex, String method) throws IOException {
    if (!method.equals("POST")) {
      try (InputStream in = Console.class.getResourceAsStream("/console/login.html")) {
        send(ex, 200, STATIC.get("login.html"), in.readAllBytes());
      }
      return;
    }
    OperatorLogin.Refusal refused = login.checkOrigin(ex);
    if (refused != null) {
      send(ex, refused.status(), "application/json", error(refused.reason()));
      return;
    }
    byte[] body = ex.getRequestBody().readNBytes(MAX_LOGIN_BODY + 1);
    String token = body.length > MAX_LOGIN_BODY ? null : formField(new String(body, StandardCharsets.UTF_8), "token");
    String cookie = login.login(token);
    if (cookie == null) {
      send(ex, 401, "text/plain", (login.enabled() ? "wrong operator token" : "the console is read-only: no operator token is configured")
          .getBytes(StandardCharsets.UTF_8));
    } else {
      ex.getResponseHeaders().add("Set-Cookie", cookie);
      redirect(ex, "/console/");
    }
  }

  private void cancel(HttpExchange ex, String job) throws Exception {
    OperatorLogin.Refusal refused = login.checkStateChange(ex);
    if (refused != null) {
      send(ex, refused.status(), "application/json", error(refused.reason()));
      return;
    }
    String invalid = Identifiers.nameProblem("job_id", job);
    if (invalid != null) {
      send(ex, 400, "application/json", error(invalid));
      return;
    }
    // only a job the table shows alive: an unknown id cannot be cancelled ahead of its submission
    JobState current = status == null ? null : status.jobState(job);
    if (current == null || JobStates.isTerminal(current)) {
      send(ex, 409, "application/json", error(current == null ? "no job " + job : "job " + job + " has ended (" + current + ")"));
      return;
    }
    producer.send(new ProducerRecord<>(topics.generationControl(), job.getBytes(StandardCharsets.UTF_8),
        serdes.cancelCommand().serialize(topics.generationControl(), new CancelCommand(job, "cancelled from the console",
            System.currentTimeMillis())))).get();
    json(ex, JSON.createObjectNode().put("cancel_sent", job));
  }

  static String formField(String body, String name) {
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0 && URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8).equals(name)) {
        return URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  private static void redirect(HttpExchange ex, String location) throws IOException {
    secure(ex);
    ex.getResponseHeaders().set("Location", location);
    ex.sendResponseHeaders(303, -1);
    ex.close();
  }

  /** Headers every console answer carries: no content sniffing, no framing by other pages, no referrer leaks. */
  static void secure(HttpExchange ex) {
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.getResponseHeaders().set("Content-Security-Policy", "frame-ancestors 'none'");
    ex.getResponseHeaders().set("X-Frame-Options", "DENY");
    ex.getResponseHeaders().set("Referrer-Policy", "same-origin"); // no-referrer would make browsers send "Origin: null"
  }

  private ArrayNode recognition() {
    ArrayNode list = JSON.createArrayNode();
    for (RecentRecords.Raw raw : recent.results()) {
      RecognitionResult r = serdes.recognitionResult().deserialize(topics.recognitionResults(), raw.value());
      ObjectNode n = list.addObject();
      n.put("request_id", r.getRequestId());
      n.put("dataset", r.getDataset());
      n.put("worker_id", r.getWorkerId());
      n.put("model", r.getModel().getName() + " " + r.getModel().getVersion());
      n.put("produced_at_ms", r.getProducedAtMs());
      n.put("batch_size", r.getTimings().getBatchSize());
      ArrayNode labels = n.putArray("labels");
      for (Classification c : r.getClassifications()) labels.addObject().put("label", c.getLabel()).put("score", c.getScore());
      n.put("boxes", r.getBoxes().size());
      n.put("masks", r.getMasks().size());
      n.put("has_image", recent.request(r.getRequestId()) != null);
      n.put("overlay", "/console/api/recognition/" + urlPart(r.getRequestId()) + "/overlay.png");
    }
    return list;
  }

  private void overlay(HttpExchange ex, String requestId) throws IOException {
    RecognitionResult result = null;
    for (RecentRecords.Raw raw : recent.results()) {
      RecognitionResult r = serdes.recognitionResult().deserialize(topics.recognitionResults(), raw.value());
      if (r.getRequestId().equals(requestId)) {
        result = r;
        break;
      }
    }
    byte[] request = recent.request(requestId);
    if (result == null || request == null) {
      send(ex, 404, "application/json", error("no recent result with its image for " + requestId));
      return;
    }
    ImageRequest req = serdes.imageRequest().deserialize(topics.recognitionRequests(), request);
    byte[] png = req.getImageBytes() == null ? null : OverlayRenderer.render(probe, bytes(req.getImageBytes()), result);
    if (png == null) send(ex, 404, "application/json", error("the request's image is not inline or does not decode"));
    else send(ex, 200, "image/png", png);
  }

  private ArrayNode deadLetters() {
    ArrayNode list = JSON.createArrayNode();
    for (RecentRecords.Raw raw : recent.deadLetters()) {
      DeadLetter d = serdes.deadLetter().deserialize(topics.deadLetters(), raw.value());
      ObjectNode n = list.addObject();
      n.put("error_type", d.getErrorType().toString());
      n.put("stage", d.getStage());
      n.put("message", d.getMessage());
      n.put("error_class", d.getErrorClass());
      n.put("request_id", d.getRequestId());
      n.put("key", new String(raw.key(), StandardCharsets.UTF_8));
      n.put("source", d.getSource().getTopic() + "/" + d.getSource().getPartition() + "@" + d.getSource().getOffset());
      n.put("original_size", d.getOriginalSize());
      n.put("failed_at_ms", d.getFailedAtMs());
      n.put("worker_id", d.getWorkerId());
    }
    return list;
  }

  private ArrayNode jobImages(String jobId) {
    Map<Integer, GenerationResult> byIndex = new LinkedHashMap<>();
    for (byte[] v : recent.jobImages(jobId)) {
      GenerationResult r = serdes.generationResult().deserialize(topics.generationResults(), v);
      byIndex.put(r.getIndex(), r); // a rerun attempt writes the same image again
    }
    ArrayNode list = JSON.createArrayNode();
    byIndex.values().stream().sorted(Comparator.comparingInt(GenerationResult::getIndex)).forEach(r -> {
      ObjectNode n = list.addObject().put("index", r.getIndex()).put("width", r.getWidth()).put("height", r.getHeight())
          .put("url", "/console/api/jobs/" + urlPart(jobId) + "/images/" + r.getIndex() + ".png");
      if (r.getSourcePng() != null) n.put("source_url", "/console/api/jobs/" + urlPart(jobId) + "/source.png");
    });
    return list;
  }

  /** An edit job's source as the model saw it (every result of the job carries it). */
  private void jobSource(HttpExchange ex, String jobId) throws IOException {
    for (byte[] v : recent.jobImages(jobId)) {
      GenerationResult r = serdes.generationResult().deserialize(topics.generationResults(), v);
      if (r.getSourcePng() != null) {
        send(ex, 200, "image/png", bytes(r.getSourcePng()));
        return;
      }
    }
    send(ex, 404, "application/json", error("job " + jobId + " has no edit source among the recent results"));
  }

  private void jobImage(HttpExchange ex, String jobId, int index) throws IOException {
    for (byte[] v : recent.jobImages(jobId)) {
      GenerationResult r = serdes.generationResult().deserialize(topics.generationResults(), v);
      if (r.getIndex() == index) {
        send(ex, 200, "image/png", bytes(r.getPng()));
        return;
      }
    }
    send(ex, 404, "application/json", error("no image " + index + " of job " + jobId + " among the recent results"));
  }

  private ObjectNode figures() {
    ObjectNode n = JSON.createObjectNode();
    RecentRecords.Throughput t = recent.throughput(System.currentTimeMillis(), THROUGHPUT_WINDOW_S);
    n.put("window_s", THROUGHPUT_WINDOW_S);
    n.put("results_per_second", t.resultsPerSecond());
    n.put("mean_batch_size", t.meanBatchSize());
    n.put("dead_letters_shown", recent.deadLetters().size());
    ObjectNode groups = n.putObject("lag");
    List<ConsumerGroupLag.Lag> lags = lag == null ? List.of() : lag.latest();
    for (ConsumerGroupLag.Lag l : lags) {
      ObjectNode g = groups.has(l.group()) ? (ObjectNode) groups.get(l.group()) : groups.putObject(l.group());
      g.put("records", g.path("records").asLong(0) + l.records());
      g.put("max_seconds", Math.max(g.path("max_seconds").asDouble(0), l.seconds()));
      g.put("partitions", g.path("partitions").asInt(0) + 1);
    }
    return n;
  }

  private static String decode(String part) { return URLDecoder.decode(part, StandardCharsets.UTF_8); }

  private static String urlPart(String s) { return java.net.URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static byte[] error(String message) {
    return ("{\"error\":" + JSON.valueToTree(message) + "}").getBytes(StandardCharsets.UTF_8);
  }

  private static void json(HttpExchange ex, Object body) throws IOException {
    send(ex, 200, "application/json", JSON.writeValueAsBytes(body));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    secure(ex);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  @Override
  public void close() throws InterruptedException {
    recent.close();
    producer.close(java.time.Duration.ofSeconds(2));
  }
}
