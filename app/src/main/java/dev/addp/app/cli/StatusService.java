package dev.addp.app.cli;

import dev.addp.app.folder.CliException;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import picocli.CommandLine.Option;

/** The status service's tables (served by the STATUS role), as the commands that show them read them. */
final class StatusService {
  @Option(names = "--url", defaultValue = "${env:ADDP_STATUS_URL:-http://127.0.0.1:8088}", description = "status service (default: ${DEFAULT-VALUE})")
  String url;

  /** Prints {@code /table}, or {@code /table/id} with an id; exit code 0 when the service answered 200. */
  int print(String table, String id) throws Exception {
    String path = "/" + table + (id == null ? "" : "/" + URLEncoder.encode(id, StandardCharsets.UTF_8));
    HttpResponse<String> r;
    try {
      r = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build().send(
          HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path)).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new CliException("cannot reach the status service at " + url + " (" + e.getClass().getSimpleName() + ")");
    }
    System.out.println(r.body());
    return r.statusCode() == 200 ? 0 : 1;
  }
}
