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
        .with("status.http.port", "0").with("worker.id", "console-it").with("generation.batch.size", "64");
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
  void cancelFromThePageEndsARunningJob() {
    try (GenerationClient client = new GenerationClient(config)) {
      client.submit(GenerationRequest.newBuilder().setJobId("browser-cancel").setCount(4).setSteps(1000).setSeed(5)
          .setSubmittedAtMs(System.currentTimeMillis()).build());
    }
    By card = By.cssSelector("[data-job-id='browser-cancel']");
    await().atMost(Duration.ofMinutes(2)).ignoreExceptions()
        .until(() -> browser.findElement(card).getAttribute("data-state").equals("RUNNING"));
    browser.findElement(card).findElement(By.cssSelector("button.cancel")).click();
    await().atMost(Duration.ofMinutes(1)).ignoreExceptions()
        .until(() -> browser.findElement(card).getAttribute("data-state").equals("CANCELLED"));
    WebElement ended = browser.findElement(card);
    int step = Integer.parseInt(ended.findElement(By.className("step")).getText().split(" ")[1]);
    assertThat(step).as("cancelled long before its 1000 steps").isLessThan(1000);
    assertThat(ended.findElement(By.className("reason")).getText()).contains("cancelled from the console");
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
