package dev.addp.app.cli;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Reads the job-status table served by the STATUS role. */
@Command(name = "jobs", mixinStandardHelpOptions = true, description = "Show a generation job's status (or all jobs) from the status service.")
final class JobsCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", description = "job id (omit to list jobs)")
  String jobId;

  @Option(names = "--url", defaultValue = "${env:ADDP_STATUS_URL:-http://127.0.0.1:8088}", description = "status service (default: ${DEFAULT-VALUE})")
  String url;

  @Override
  public Integer call() throws Exception {
    String path = jobId == null ? "/jobs" : "/jobs/" + java.net.URLEncoder.encode(jobId, java.nio.charset.StandardCharsets.UTF_8);
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    System.out.println(r.body());
    return r.statusCode() == 200 ? 0 : 1;
  }
}
