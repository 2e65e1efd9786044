package dev.addp.systemtest.support;

import dev.addp.platform.config.AddpConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** An `addp` command in its own JVM, as a user runs it: its exit code and output, or a SIGKILL halfway. */
public final class CliProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private CliProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static CliProcess start(AddpConfig config, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", System.getProperty("java.class.path"), "dev.addp.app.cli.AddpCli"));
    cmd.addAll(List.of(args));
    config.asMap().forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    Path log = Files.createTempFile("addp-cli-", ".log");
    return new CliProcess(new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
  }

  public boolean isAlive() { return process.isAlive(); }

  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** Waits for the exit and returns its code (-1 if it did not end in time). */
  public int await(java.time.Duration timeout) throws InterruptedException {
    return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
  }

  public String output() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no output: " + e + ")";
    }
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) kill();
    Files.deleteIfExists(log);
  }
}
