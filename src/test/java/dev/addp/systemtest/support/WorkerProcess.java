package dev.addp.systemtest.support;

import dev.addp.platform.config.AddpConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A role of the service in its own JVM (`addp serve --role ...`), so a test can kill it the way a
 * machine dies: SIGKILL, no shutdown hook, an open transaction left behind.
 */
public final class WorkerProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private WorkerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static WorkerProcess start(String role, AddpConfig config) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.addp.app.cli.AddpCli", "serve", "--role", role));
    config.asMap().forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    Path log = Files.createTempFile("addp-" + role + "-", ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new WorkerProcess(p, log);
  }

  /** SIGKILL: the process gets no chance to commit or abort anything. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  public boolean isAlive() { return process.isAlive(); }

  /** Waits for the process to exit by itself; its exit code, or empty if it still runs after the timeout. */
  public java.util.OptionalInt awaitExit(java.time.Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? java.util.OptionalInt.of(process.exitValue())
        : java.util.OptionalInt.empty();
  }

  /** Waits until the process has logged the text (fails at once if it exits first). */
  public void awaitLog(String text, java.time.Duration timeout) {
    try {
      Awaitility.await("'" + text + "' in the log").atMost(timeout).pollInterval(Duration.ofMillis(100))
          .failFast(() -> {
            if (!process.isAlive()) throw new AssertionError("process exited before logging '" + text + "':\n" + log());
          })
          .until(() -> log().contains(text));
    } catch (ConditionTimeoutException e) {
      throw new AssertionError("no '" + text + "' within " + timeout + ":\n" + log(), e);
    }
  }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(30, TimeUnit.SECONDS)) process.destroyForcibly();
    }
    Files.deleteIfExists(log);
  }
}
