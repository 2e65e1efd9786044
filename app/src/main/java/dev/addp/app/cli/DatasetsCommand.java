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
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Reads the per-dataset progress table served by the STATUS role. */
@Command(name = "datasets", mixinStandardHelpOptions = true,
    description = "Show a dataset's progress (submitted total, annotated, dead-lettered by reason, complete) or every dataset's, from the status service.")
final class DatasetsCommand implements Callable<Integer> {
  @Parameters(arity = "0..1", description = "dataset id (omit to list datasets)")
  String dataset;

  @Option(names = "--url", defaultValue = "${env:ADDP_STATUS_URL:-http://127.0.0.1:8088}", description = "status service (default: ${DEFAULT-VALUE})")
  String url;

  @Override
  public Integer call() throws Exception {
    String path = dataset == null ? "/datasets" : "/datasets/" + URLEncoder.encode(dataset, StandardCharsets.UTF_8);
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
