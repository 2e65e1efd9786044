package dev.addp.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real schema registry: the Apicurio Registry distribution (from Maven Central, unpacked by the
 * caller's build: the app and the system tests each pass where theirs lies) started as a child JVM
 * on a free loopback port, with in-memory storage (or, from {@link #startPersistent}, an H2 file
 * that survives {@link #stop()} and {@link #restart()} on the same port: how tests take the
 * registry away mid-stream and bring it back). Clients use its Confluent-compatible API at
 * {@link #ccompatUrl()}.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
  /** Overrides the caller's distribution (system property, then environment variable). */
  static final String HOME_PROPERTY = "addp.registry.home";
  static final String HOME_ENV = "ADDP_REGISTRY_HOME";
  /** 90 s by default; a machine loaded far beyond its cores can need more (-Daddp.registry.start.timeout.s=N). */
  private static final Duration START_TIMEOUT = Duration.ofSeconds(Long.getLong("addp.registry.start.timeout.s", 90));

  private volatile Process process;
  private final List<String> command;
  private final int port;
  private final Path logFile;
  private final Thread shutdownHook;

  private EmbeddedSchemaRegistry(Process process, List<String> command, int port, Path logFile) {
    this.process = process;
    this.command = command;
    this.port = port;
    this.logFile = logFile;
    this.shutdownHook = new Thread(this::stopProcess, "registry-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts the unpacked distribution at {@code distribution} (unless {@value #HOME_ENV} /
   * {@code -D}{@value #HOME_PROPERTY} points elsewhere, see {@link #locateDistribution}) with
   * {@link #locateJava()}.
   */
  public static EmbeddedSchemaRegistry start(Path distribution) {
    return start(locateDistribution(distribution), locateJava(), null);
  }

  /** Like {@link #start(Path)}, with the registry's storage in an H2 database file under {@code dataDir}. */
  public static EmbeddedSchemaRegistry startPersistent(Path distribution, Path dataDir) {
    return start(locateDistribution(distribution), locateJava(), dataDir);
  }

  private static EmbeddedSchemaRegistry start(Path distribution, Path java, Path dataDir) {
    Path jar = launcherJar(distribution);
    int port = FreePort.pick();
    Path logFile;
    try {
      logFile = Files.createTempFile("addp-registry-", ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=" + port,
        "-Dquarkus.management.enabled=false")); // 3.x would otherwise open a management port on 0.0.0.0
    if (dataDir != null) {
      cmd.add("-Dquarkus.datasource.jdbc.url=jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("registry_db"));
    }
    cmd.addAll(List.of("-jar", jar.toString()));
    EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(launch(cmd, logFile), List.copyOf(cmd), port, logFile);
    try {
      registry.awaitReady();
    } catch (RuntimeException e) {
      registry.close();
      throw e;
    }
    log.info("schema registry (Apicurio, {}) ready at {}", distribution.getFileName(), registry.ccompatUrl());
    return registry;
  }

  private static Process launch(List<String> cmd, Path logFile) {
    try {
      return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start the schema registry with " + cmd.get(0) + ": " + e.getMessage(), e);
    }
  }

  /** Stops the registry process (SIGTERM, then SIGKILL); {@link #restart()} brings it back on the same port. */
  public void stop() { stopProcess(); }

  /** Starts the stopped registry again, same port and storage, and waits until it answers. */
  public void restart() {
    if (process.isAlive()) throw new IllegalStateException("the registry is still running");
    process = launch(command, logFile);
    awaitReady();
    log.info("schema registry restarted at {}", ccompatUrl());
  }

  /** Base URL of the Confluent-compatible REST API. */
  public String ccompatUrl() { return "http://127.0.0.1:" + port + "/apis/ccompat/v7"; }

  public boolean isAlive() { return process.isAlive(); }

  private void awaitReady() {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("schema registry exited with code " + process.exitValue() + " during start-up; log:\n" + tail());
      }
      try {
        HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(ccompatUrl() + "/subjects"))
            .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) return;
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for the schema registry", e);
      }
      sleep(100);
    }
    throw new IllegalStateException("schema registry not ready after " + START_TIMEOUT.toSeconds()
        + " s (-Daddp.registry.start.timeout.s sets the limit); log:\n" + tail());
  }

  private String tail() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public void close() {
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down
    }
    try {
      Files.deleteIfExists(logFile);
    } catch (IOException e) {
      log.debug("could not delete {}", logFile);
    }
  }

  private void stopProcess() {
    if (!process.isAlive()) return;
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  /**
   * The unpacked distribution: system property {@value #HOME_PROPERTY}, else environment variable
   * {@value #HOME_ENV}, else the caller's {@code distribution}. Fails with one line naming the
   * folder it looked at when that is not a directory.
   */
  public static Path locateDistribution(Path distribution) {
    String configured = System.getProperty(HOME_PROPERTY, System.getenv(HOME_ENV));
    if (configured != null && !configured.isBlank()) {
      Path dir = Paths.get(configured);
      if (!Files.isDirectory(dir)) {
        throw new IllegalStateException("schema registry distribution " + dir.toAbsolutePath() + " (from "
            + HOME_ENV + " / -D" + HOME_PROPERTY + ") does not exist");
      }
      return dir;
    }
    if (!Files.isDirectory(distribution)) {
      throw new IllegalStateException("schema registry distribution not found at " + distribution.toAbsolutePath()
          + ": build the project (mvn -pl app -am package) or set " + HOME_ENV + " / -D" + HOME_PROPERTY
          + " to an unpacked io.apicurio:apicurio-registry-app:*:tar.gz:all");
    }
    return distribution;
  }

  /** The java binary for the child: {@code addp.registry.java} / {@code REGISTRY_JAVA}, else this JVM's. */
  public static Path locateJava() {
    String configured = System.getProperty("addp.registry.java", System.getenv("REGISTRY_JAVA"));
    if (configured != null && !configured.isBlank()) return Paths.get(configured);
    return Paths.get(System.getProperty("java.home"), "bin", "java");
  }

  /** 3.x ships a Quarkus fast-jar (quarkus-run.jar), 2.x a legacy runner jar. */
  private static Path launcherJar(Path distribution) {
    Path fastJar = distribution.resolve("quarkus-run.jar");
    if (Files.exists(fastJar)) return fastJar;
    try (Stream<Path> files = Files.list(distribution)) {
      return files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
          .orElseThrow(() -> new IllegalStateException("no quarkus-run.jar or *-runner.jar in " + distribution));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
