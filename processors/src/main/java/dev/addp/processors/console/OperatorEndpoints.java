package dev.addp.processors.console;

import static dev.addp.processors.console.ConsoleAnswers.JSON;
import static dev.addp.processors.console.ConsoleAnswers.error;
import static dev.addp.processors.console.ConsoleAnswers.json;
import static dev.addp.processors.console.ConsoleAnswers.redirect;
import static dev.addp.processors.console.ConsoleAnswers.send;
import static dev.addp.processors.console.ConsoleAnswers.text;

import com.sun.net.httpserver.HttpExchange;
import dev.addp.avro.CancelCommand;
import dev.addp.avro.JobState;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.Identifiers;
import dev.addp.schemas.JobStates;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** The operator's side of the console: log in, log out, whether logged in, and the one state change, cancelling a job. */
final class OperatorEndpoints implements AutoCloseable {
  private static final int MAX_LOGIN_BODY = 4096;

  private final OperatorLogin login;
  private final Topics topics;
  private final AvroSerdes serdes;
  private final KafkaProducer<byte[], byte[]> producer;
  private final JobStateLookup jobStates;

  /** The job table's view of a job's state; null for a job it does not know. */
  interface JobStateLookup {
    JobState jobState(String jobId) throws IOException;
  }

  OperatorEndpoints(OperatorLogin login, Topics topics, AvroSerdes serdes, KafkaProducer<byte[], byte[]> producer,
      JobStateLookup jobStates) {
    this.login = login;
    this.topics = topics;
    this.serdes = serdes;
    this.producer = producer;
    this.jobStates = jobStates;
  }

  /** GET: the login page; POST: the token from the form, a session cookie when it is right. */
  void login(HttpExchange ex, String method) throws IOException {
    if (!method.equals("POST")) {
      try (InputStream in = OperatorEndpoints.class.getResourceAsStream("/console/login.html")) {
        send(ex, 200, "text/html; charset=utf-8", in.readAllBytes());
      }
      return;
    }
    OperatorLogin.Refusal refused = login.checkOrigin(ex);
    if (refused != null) {
      error(ex, refused.status(), refused.reason());
      return;
    }
    byte[] body = ex.getRequestBody().readNBytes(MAX_LOGIN_BODY + 1);
    String token = body.length > MAX_LOGIN_BODY ? null : formField(new String(body, StandardCharsets.UTF_8), "token");
    String cookie = login.login(token);
    if (cookie == null) {
      text(ex, 401, login.enabled() ? "wrong operator token" : "the console is read-only: no operator token is configured");
    } else {
      ex.getResponseHeaders().add("Set-Cookie", cookie);
      redirect(ex, "/console/");
    }
  }

  void logout(HttpExchange ex) throws IOException {
    OperatorLogin.Refusal refused = login.checkOrigin(ex);
    if (refused != null) {
      error(ex, refused.status(), refused.reason());
    } else {
      ex.getResponseHeaders().add("Set-Cookie", login.logout(ex));
      redirect(ex, "/console/");
    }
  }

  void session(HttpExchange ex) throws IOException {
    json(ex, JSON.createObjectNode().put("operator", login.isOperator(ex)).put("login_enabled", login.enabled()));
  }

  /** A cancel command on the control topic, for a job the table shows queued or running. */
  void cancel(HttpExchange ex, String job) throws Exception {
    OperatorLogin.Refusal refused = login.checkStateChange(ex);
    if (refused != null) {
      error(ex, refused.status(), refused.reason());
      return;
    }
    String invalid = Identifiers.nameProblem("job_id", job);
    if (invalid != null) {
      error(ex, 400, invalid);
      return;
    }
    // only a job the table shows alive: an unknown id cannot be cancelled ahead of its submission
    JobState current = jobStates.jobState(job);
    if (current == null || JobStates.isTerminal(current)) {
      error(ex, 409, current == null ? "no job " + job : "job " + job + " has ended (" + current + ")");
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

  @Override
  public void close() { producer.close(Duration.ofSeconds(2)); }
}
