package dev.addp.systemtest.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.addp.app.roles.ProcessRole;
import dev.addp.app.roles.RoleRunner;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationRequest;
import dev.addp.platform.config.AddpConfig;
import dev.addp.systemtest.support.BadImages;
import dev.addp.systemtest.support.SharedEmbeddedStack;
import dev.addp.systemtest.support.TestModels;
import dev.addp.systemtest.support.TestTopics;
import dev.addp.app.data.FashionMnistSample;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The web console in a real headless Chromium against the embedded stack (real broker, registry,
 * workers): a generation job's progress advances to SUCCEEDED and its images display, cancel works
 * from the page, recognition results are drawn over their images, and a corrupt input shows in the
 * dead-letter view with its reason. Skips when no browser is installed.
 */
class ConsoleBrowserIT {
  private static final Path SCREENSHOTS = Path.of("target/console-screenshots");
  private static final String TOKEN = "operator-token-for-the-browser-test";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static AddpConfig config;
  private static RoleRunner roles;
  private static ChromeDriver browser;
  private static String console;

  @BeforeAll
  static void start() throws Exception {
    String missing = HeadlessChromium.missing();
    Assumptions.assumeTrue(missing == null, missing);
    config = TestTopics.isolate(SharedEmbeddedStack.get().config(), "console", 2)
        .with("model.dir", TestModels.modelDir().toAbsolutePath().toString())
        .with("status.http.port", "0").with("worker.id", "console-it").with("generation.batch.size", "64")
        .with("console.operator.token", TOKEN);
    roles = RoleRunner.start(List.of(ProcessRole.INGEST, ProcessRole.RECOGNITION, ProcessRole.GENERATION, ProcessRole.STATUS), config);
    roles.awaitReady(Duration.ofSeconds(90));
    browser = HeadlessChromium.start(Files.createTempDirectory("addp-chromium-"));
    console = "http://127.0.0.1:" + roles.status().port() + "/console/";
    browser.get(console);
    Files.createDirectories(SCREENSHOTS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (browser != null) browser.quit();
    if (roles != null) roles.close();
  }

  @Test
  void generationProgressAdvancesToSucceededAndTheImagesDisplay() throws Exception {
    try (GenerationClient client = new GenerationClient(config)) {
      client.submit(GenerationRequest.newBuilder().setJobId("browser-job").setCount(64).setSeed(3).setPreviewInterval(2)
          .setSubmittedAtMs(System.currentTimeMillis()).build());
    }
    TreeSet<Integer> runningSteps = new TreeSet<>();
    boolean[] shot = {false};
    await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(100)).ignoreExceptions().until(() -> {
      WebElement card = browser.findElement(By.cssSelector("[data-job-id='browser-job']"));
      String state = card.getAttribute("data-state");
      String step = card.findElement(By.className("step")).getText(); // "step k of T"
      if (state.equals("RUNNING")) {
        int k = Integer.parseInt(step.split(" ")[1]);
        runningSteps.add(k);
        if (!shot[0] && k >= 6 && previewShown(card)) {
          Files.write(SCREENSHOTS.resolve("console-mid-job.png"), browser.getScreenshotAs(OutputType.BYTES));
          shot[0] = true;
        }
      }
      return state.equals("SUCCEEDED");
    });
    assertThat(runningSteps).as("the page showed the job RUNNING at several steps").hasSizeGreaterThanOrEqualTo(2);
    WebElement card = browser.findElement(By.cssSelector("[data-job-id='browser-job']"));
    assertThat(card.findElement(By.className("step")).getText()).isEqualTo("step 20 of 20");
    await().atMost(Duration.ofSeconds(30)).until(() -> card.findElements(By.cssSelector(".results img")).size() == 64);
    await().atMost(Duration.ofSeconds(30)).until(() -> displayedImages(card, ".results img") == 64);
    Files.write(SCREENSHOTS.resolve("console-succeeded.png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  @Test
  void anEditJobShowsItsSourceBesideItsResultsAndItsLabel() throws Exception {
    byte[] source = dev.addp.app.data.FashionMnistSample.read(TestModels.sampleDir()).png(1);
    try (GenerationClient client = new GenerationClient(config)) {
      client.submit(GenerationRequest.newBuilder().setJobId("browser-edit").setCount(3).setSeed(2).setSteps(6).setLabel("Pullover")
          .setEdit(dev.addp.avro.EditSource.newBuilder().setImageBytes(java.nio.ByteBuffer.wrap(source)).setBox(List.of(6f, 6f, 16f, 16f)).build())
          .setSubmittedAtMs(System.currentTimeMillis()).build());
    }
    By card = By.cssSelector("[data-job-id='browser-edit']");
    await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
        .until(() -> browser.findElement(card).getAttribute("data-state").equals("SUCCEEDED"));
    WebElement c = browser.findElement(card);
    assertThat(c.findElement(By.className("kind")).getText()).isEqualTo("edit · label Pullover" + defaultGuidanceShown());
    await().atMost(Duration.ofSeconds(30)).until(() -> displayedImages(c, "figure.source img") == 1 && displayedImages(c, ".results img") == 3);
    Files.write(SCREENSHOTS.resolve("console-edit.png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  /** How the card shows a labelled job's default guidance strength (as JavaScript prints the number); empty for a model without guidance. */
  private static String defaultGuidanceShown() {
    var guidance = dev.addp.workers.model.ModelManifest.read(TestModels.modelDir()).generation().conditioning().guidance();
    if (guidance == null) return "";
    double w = guidance.strength();
    return " (guidance " + (w == Math.rint(w) ? String.valueOf((long) w) : String.valueOf(w)) + ")";
  }

  @Test
  void cancelFromThePageNeedsTheOperatorLoginAndIsRefusedFromAnotherOrigin() throws Exception {
    try (GenerationClient client = new GenerationClient(config)) {
      client.submit(GenerationRequest.newBuilder().setJobId("browser-cancel").setCount(4).setSteps(1000).setSeed(5)
          .setSubmittedAtMs(System.currentTimeMillis()).build());
    }
    By card = By.cssSelector("[data-job-id='browser-cancel']");
    await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
        .until(() -> browser.findElement(card).getAttribute("data-state").equals("RUNNING"));
    String cancelUrl = console + "api/jobs/browser-cancel/cancel";

    // 1. without the login the page's cancel is refused, and says why
    browser.findElement(card).findElement(By.cssSelector("button.cancel")).click();
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> browser.findElement(card).findElement(By.className("reason")).getText().contains("log in as operator"));
    assertThat(HTTP.send(post(cancelUrl).header("Origin", origin()).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
        .isEqualTo(401);

    // 2. a wrong token does not log in; the right one does
    logIn("not-the-token");
    // the click only starts the form's navigation: wait for the answer page
    await().atMost(Duration.ofSeconds(30)).until(() -> browser.getPageSource().contains("wrong operator token"));
    logIn(TOKEN);
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> browser.findElement(By.id("session")).getText().contains("operator"));
    String session = browser.manage().getCookieNamed("addp_console_session").getValue();

    // 3. the operator's session from another origin, or from no page at all, cannot cancel
    HttpResponse<String> crossOrigin = HTTP.send(post(cancelUrl).header("Origin", "http://evil.example")
        .header("Cookie", "addp_console_session=" + session).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(crossOrigin.statusCode()).isEqualTo(403);
    assertThat(crossOrigin.body()).contains("cross-origin");
    assertThat(HTTP.send(post(cancelUrl).header("Cookie", "addp_console_session=" + session).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    // a page on another origin, in the same browser, posting a form to the console: the cookie stays home
    try (ForeignPage foreign = new ForeignPage(cancelUrl)) {
      browser.get(foreign.url());
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> browser.getPageSource().contains("error"));
      assertThat(browser.getPageSource()).containsAnyOf("cross-origin", "log in as operator");
    }
    browser.get(console);
    assertThat(jobState("browser-cancel")).isEqualTo("RUNNING");

    // 4. logged in, on the console's own page, cancel ends the job
    await().atMost(Duration.ofMinutes(1)).ignoreExceptions()
        .until(() -> browser.findElement(card).getAttribute("data-state").equals("RUNNING"));
    browser.findElement(card).findElement(By.cssSelector("button.cancel")).click();
    await().atMost(Duration.ofMinutes(1)).ignoreExceptions()
        .until(() -> browser.findElement(card).getAttribute("data-state").equals("CANCELLED"));
    WebElement ended = browser.findElement(card);
    int step = Integer.parseInt(ended.findElement(By.className("step")).getText().split(" ")[1]);
    assertThat(step).as("cancelled long before its 1000 steps").isLessThan(1000);
    assertThat(ended.findElement(By.className("reason")).getText()).contains("cancelled from the console");

    // 5. an ended or unknown job cannot be cancelled (no cancel stored ahead of a job), an invalid id is refused
    HttpResponse<String> again = HTTP.send(post(cancelUrl).header("Origin", origin())
        .header("Cookie", "addp_console_session=" + session).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(HTTP.send(post(console + "api/jobs/not-submitted-yet/cancel").header("Origin", origin())
        .header("Cookie", "addp_console_session=" + session).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(409);
    assertThat(HTTP.send(post(console + "api/jobs/..%2Fx/cancel").header("Origin", origin())
        .header("Cookie", "addp_console_session=" + session).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(400);
    HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(console)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
    assertThat(page.headers().firstValue("Content-Security-Policy").orElse("")).contains("frame-ancestors 'none'");
    // a host name rebound to this machine is not this console
    assertThat(statusLine(roles.status().port(), "/console/api/session", "evil.example")).contains(" 403 ");
    assertThat(statusLine(roles.status().port(), "/console/api/session", "127.0.0.1")).contains(" 200 ");
  }

  /** The status line of a GET naming {@code host} (the JDK's client will not send a Host header of our choosing). */
  private static String statusLine(int port, String path, String host) throws java.io.IOException {
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      return new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), java.nio.charset.StandardCharsets.US_ASCII))
          .readLine();
    }
  }

  private static void logIn(String token) {
    browser.get(console + "login");
    browser.findElement(By.id("token")).sendKeys(token);
    browser.findElement(By.id("login")).click();
  }

  private static String origin() { return console.substring(0, console.indexOf("/console/")); }

  private static HttpRequest.Builder post(String url) {
    return HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
  }

  private static String jobState(String job) throws Exception {
    String body = HTTP.send(HttpRequest.newBuilder(URI.create(origin() + "/jobs/" + job)).build(), HttpResponse.BodyHandlers.ofString())
        .body();
    return new com.fasterxml.jackson.databind.ObjectMapper().readTree(body).path("state").asText();
  }

  /** Another origin (its own port) whose page posts a form to the console as soon as it loads. */
  private static final class ForeignPage implements AutoCloseable {
    private final com.sun.net.httpserver.HttpServer server;

    ForeignPage(String target) throws java.io.IOException {
      server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
      byte[] page = ("<!doctype html><form id=f method=post action='" + target + "'></form>"
          + "<script>document.getElementById('f').submit()</script>").getBytes(java.nio.charset.StandardCharsets.UTF_8);
      server.createContext("/", x -> {
        x.getResponseHeaders().set("Content-Type", "text/html");
        x.sendResponseHeaders(200, page.length);
        x.getResponseBody().write(page);
        x.close();
      });
      server.start();
    }

    String url() { return "http://127.0.0.1:" + server.getAddress().getPort() + "/"; }

    @Override
    public void close() { server.stop(0); }
  }

  @Test
  void recognitionResultsAreDrawnOverTheirImagesAndACorruptInputIsListedWithItsReason() throws Exception {
    FashionMnistSample sample = FashionMnistSample.read(TestModels.sampleDir());
    byte[] corrupt = BadImages.truncated(sample.png(0));
    RecognitionRoundTrip.Outcome o = new RecognitionRoundTrip(config).run("console", 13,
        i -> new RecognitionRoundTrip.Item(i == 12 ? "corrupt-input" : "shown-" + i, i == 12 ? corrupt : sample.png(i), Map.of()),
        Duration.ofMinutes(2), false);
    assertThat(o.results()).hasSize(12);
    assertThat(o.deadLetters().get("corrupt-input").getErrorType()).isEqualTo(ErrorType.TRUNCATED_IMAGE);

    By row = By.cssSelector("#deadletters tr[data-key='corrupt-input']");
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> browser.findElement(row).isDisplayed());
    assertThat(browser.findElement(row).getAttribute("data-error-type")).isEqualTo("TRUNCATED_IMAGE");
    assertThat(browser.findElement(row).findElement(By.className("reason")).getText()).isEqualTo("TRUNCATED_IMAGE");

    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> browser.findElements(By.cssSelector("#recognition .result[data-request-id^='shown-']")).size() == 12);
    WebElement grid = browser.findElement(By.id("recognition"));
    await().atMost(Duration.ofSeconds(30)).until(() -> displayedImages(grid, ".result[data-request-id^='shown-'] img") == 12);
    WebElement first = browser.findElement(By.cssSelector("#recognition .result[data-request-id='shown-0']"));
    String top = o.results().get("shown-0").getClassifications().get(0).getLabel();
    assertThat(top).isNotBlank();
    assertThat(first.getText()).contains(top);
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> Double.parseDouble(browser.findElement(By.id("fig-batch")).getText()) > 0);
    Files.write(SCREENSHOTS.resolve("console-recognition.png"), browser.getScreenshotAs(OutputType.BYTES));
  }

  private static boolean previewShown(WebElement card) {
    return displayedImages(card, ".preview") == 1;
  }

  /** Images under {@code root} that loaded and decoded (natural width > 0). */
  private static long displayedImages(WebElement root, String css) {
    Object n = ((JavascriptExecutor) browser).executeScript(
        "return [...arguments[0].querySelectorAll(arguments[1])].filter(i => i.complete && i.naturalWidth > 0).length;", root, css);
    return ((Number) n).longValue();
  }
}
