package dev.addp.systemtest.console;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's chromium + chromium-driver, headless, with a fresh profile and nothing that phones home
 * (no sync, component updates, QUIC or background networking). {@link #missing()} says why it cannot
 * run here, so that tests skip with that reason.
 */
final class HeadlessChromium {
  static final Path BROWSER = Path.of(System.getProperty("addp.chromium", "/usr/bin/chromium"));
  static final Path DRIVER = Path.of(System.getProperty("addp.chromedriver", "/usr/bin/chromedriver"));

  private HeadlessChromium() { }

  /** Null when both are installed, else what is missing and how to install it. */
  static String missing() {
    if (!Files.isExecutable(BROWSER) || !Files.isExecutable(DRIVER)) {
      return "no browser for the console test: need " + BROWSER + " and " + DRIVER
          + " (apt-get install -y chromium chromium-driver; .ci/run installs them)";
    }
    return null;
  }

  static ChromeDriver start(Path profile) throws IOException {
    Files.createDirectories(profile);
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BROWSER.toFile());
    options.addArguments(List.of("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
        "--window-size=1400,1500", "--user-data-dir=" + profile.toAbsolutePath()));
    ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(DRIVER.toString()))
        .usingAnyFreePort().build();
    return new ChromeDriver(service, options);
  }
}
