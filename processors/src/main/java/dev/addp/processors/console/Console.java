package dev.addp.processors.console;

import static dev.addp.processors.console.ConsoleAnswers.decode;
import static dev.addp.processors.console.ConsoleAnswers.error;
import static dev.addp.processors.console.ConsoleAnswers.json;
import static dev.addp.processors.console.ConsoleAnswers.send;
import static dev.addp.processors.console.ConsoleAnswers.text;

import com.sun.net.httpserver.HttpExchange;
import dev.addp.platform.image.ImageLimits;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.metrics.ConsumerGroupLag;
import dev.addp.processors.status.JobStatusServer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

/**
 * The web console, served by the status role next to its job API: one static page with plain
 * JavaScript (console/index.html) that polls the job table ({@code /jobs}) and the JSON below.
 * This class routes; {@link RecentRecordsApi} and {@link OperatorEndpoints} answer.
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
  private static final Map<String, String> STATIC = Map.of(
      "index.html", "text/html; charset=utf-8", "console.js", "text/javascript; charset=utf-8", "console.css", "text/css; charset=utf-8",
      "login.html", "text/html; charset=utf-8");

  private final OperatorLogin login;
  private final RecentRecords recent;
  private final RecentRecordsApi records;
  private final OperatorEndpoints operator;
  private JobStatusServer status;

  public Console(KafkaClients clients, AvroSerdes serdes, ConsumerGroupLag lag) {
    Topics topics = Topics.from(clients.config());
    this.login = OperatorLogin.from(clients.config());
    this.recent = new RecentRecords(new KafkaClients(clients.config()), serdes, RecentRecords.Limits.defaults()).start();
    this.records = new RecentRecordsApi(recent, serdes, topics, lag, new ImageProbe(ImageLimits.from(clients.config())));
    this.operator = new OperatorEndpoints(login, topics, serdes, new KafkaClients(clients.config()).producer(),
        job -> status == null ? null : status.jobState(job));
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
        text(ex, 404, "not found");
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
        text(ex, 403, "host not allowed: add it to " + OperatorLogin.ALLOWED_HOSTS);
      } else if (path.equals("/console/login")) {
        operator.login(ex, method);
      } else if (path.equals("/console/logout") && method.equals("POST")) {
        operator.logout(ex);
      } else if (path.equals("/console/api/session")) {
        operator.session(ex);
      } else if (parts.length == 1 && (parts[0].isEmpty() || STATIC.containsKey(parts[0]))) {
        String name = parts[0].isEmpty() ? "index.html" : parts[0];
        try (InputStream in = Console.class.getResourceAsStream("/console/" + name)) {
          send(ex, 200, STATIC.get(name), in.readAllBytes());
        }
      } else if (path.equals("/console/api/recognition")) {
        json(ex, records.recognition());
      } else if (path.equals("/console/api/deadletters")) {
        json(ex, records.deadLetters());
      } else if (path.equals("/console/api/figures")) {
        json(ex, records.figures());
      } else if (parts.length == 4 && parts[1].equals("recognition") && parts[3].equals("overlay.png")) { // api/recognition/{id}/overlay.png
        records.overlay(ex, decode(parts[2]));
      } else if (parts.length == 4 && parts[1].equals("jobs") && parts[3].equals("images")) { // api/jobs/{id}/images
        json(ex, records.jobImages(decode(parts[2])));
      } else if (parts.length == 4 && parts[1].equals("jobs") && parts[3].equals("source.png")) { // api/jobs/{id}/source.png
        records.jobSource(ex, decode(parts[2]));
      } else if (parts.length == 5 && parts[1].equals("jobs") && parts[3].equals("images") && parts[4].endsWith(".png")) {
        records.jobImage(ex, decode(parts[2]), Integer.parseInt(parts[4].substring(0, parts[4].length() - 4)));
      } else if (parts.length == 4 && parts[1].equals("jobs") && parts[3].equals("cancel") && method.equals("POST")) {
        operator.cancel(ex, decode(parts[2]));
      } else {
        error(ex, 404, "no such console resource: " + method + " " + path);
      }
    } catch (NumberFormatException e) {
      error(ex, 400, "bad request: " + e.getMessage());
    } catch (Exception e) {
      error(ex, 503, e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  @Override
  public void close() throws InterruptedException {
    recent.close();
    operator.close();
  }
}
