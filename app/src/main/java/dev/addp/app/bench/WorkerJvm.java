package dev.addp.app.bench;

import dev.addp.platform.config.AddpConfig;
import java.io.IOException;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServerConnection;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * `addp serve --role ...` in its own JVM, watched from outside the way an operator would: resident
 * memory from /proc (VmRSS sampled, VmHWM the kernel's own peak) and heap through JMX (used heap
 * sampled, and the heap pools' own peaks). SIGKILL and SIGTERM as a machine or an orchestrator
 * would send them.
 */
public final class WorkerJvm implements AutoCloseable {
  private static final Duration SAMPLE_EVERY = Duration.ofMillis(250);

  private final Process process;
  private final Path log;
  private final int jmxPort;
  private final Thread sampler;
  private volatile JMXConnector jmx;
  private volatile long maxRssKb;
  private volatile long hwmKb;
  private volatile long maxHeapUsed;
  private volatile long poolPeaks;

  private WorkerJvm(Process process, Path log, int jmxPort) {
    this.process = process;
    this.log = log;
    this.jmxPort = jmxPort;
    this.sampler = new Thread(this::sampleUntilExit, "worker-jvm-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Starts the roles in a new JVM with this JVM's class path and the given heap limit. */
  public static WorkerJvm start(String roles, AddpConfig config, String maxHeap) throws IOException {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + maxHeap, "-Dcom.sun.management.jmxremote.port=" + port, "-Dcom.sun.management.jmxremote.rmi.port=" + port,
        "-Dcom.sun.management.jmxremote.host=127.0.0.1", "-Djava.rmi.server.hostname=127.0.0.1",
        "-Dcom.sun.management.jmxremote.authenticate=false", "-Dcom.sun.management.jmxremote.ssl=false",
        "-cp", System.getProperty("java.class.path"), "dev.addp.app.cli.AddpCli", "serve", "--role", roles));
    // the settings (logins included) go in a file only this user can read, never on the command line
    Path settings = config.writePrivateFile("addp-bench-settings-");
    settings.toFile().deleteOnExit();
    cmd.addAll(List.of("-c", settings.toString()));
    Path log = Files.createTempFile("addp-bench-" + roles.replace(',', '-') + "-", ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new WorkerJvm(p, log, port);
  }

  /** The child's command line (what every user of the machine can read in the process list). */
  public String commandLine() {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(process.pid()), "cmdline")), java.nio.charset.StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException notLinux) {
      return process.info().commandLine().orElse("");
    }
  }

  public long pid() { return process.pid(); }

  public Path logFile() { return log; }

  public String log() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "";
    }
  }

  public boolean isAlive() { return process.isAlive(); }

  /** Waits for a line of the log; fails when the process exits first or the time is up. */
  public void awaitLog(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!log().contains(text)) {
      if (!process.isAlive()) throw new IllegalStateException("worker exited before logging '" + text + "'; its log: " + log);
      if (System.nanoTime() > deadline) throw new IllegalStateException("no '" + text + "' within " + timeout + "; log: " + log);
      TimeUnit.MILLISECONDS.sleep(100);
    }
  }

  /** SIGKILL: no shutdown hook, open transactions left behind. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM: the roles finish their open batch and commit. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(60, TimeUnit.SECONDS)) kill();
  }

  /** Largest resident set seen by sampling /proc/PID/status, in KiB. */
  public long maxRssKb() { return maxRssKb; }

  /** The kernel's resident high-water mark (VmHWM), last read, in KiB. */
  public long hwmKb() { return hwmKb; }

  /** Largest used heap seen by sampling through JMX, in bytes. */
  public long maxHeapUsed() { return maxHeapUsed; }

  /** Sum of every heap pool's own peak (an upper bound of the peak heap: pools peak at different times), in bytes. */
  public long heapPoolPeaks() { return poolPeaks; }

  private void sampleUntilExit() {
    while (process.isAlive()) {
      readProcStatus();
      readHeap();
      try {
        Thread.sleep(SAMPLE_EVERY.toMillis()); // a sampling period, not a wait for a condition
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  private void readProcStatus() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
        if (line.startsWith("VmRSS:")) maxRssKb = Math.max(maxRssKb, kb(line));
        if (line.startsWith("VmHWM:")) hwmKb = Math.max(hwmKb, kb(line));
      }
    } catch (IOException | RuntimeException e) {
      // the process has just exited
    }
  }

  private void readHeap() {
    try {
      if (jmx == null) {
        jmx = JMXConnectorFactory.connect(new JMXServiceURL("service:jmx:rmi:///jndi/rmi://127.0.0.1:" + jmxPort + "/jmxrmi"));
      }
      MBeanServerConnection c = jmx.getMBeanServerConnection();
      MemoryMXBean memory = ManagementFactory.newPlatformMXBeanProxy(c, ManagementFactory.MEMORY_MXBEAN_NAME, MemoryMXBean.class);
      maxHeapUsed = Math.max(maxHeapUsed, memory.getHeapMemoryUsage().getUsed());
      long peaks = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getPlatformMXBeans(c, MemoryPoolMXBean.class)) {
        if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) peaks += pool.getPeakUsage().getUsed();
      }
      poolPeaks = Math.max(poolPeaks, peaks);
    } catch (IOException | RuntimeException e) {
      jmx = null; // not listening yet, or gone: the next sample connects again
    }
  }

  private static long kb(String line) { return Long.parseLong(line.replaceAll("[^0-9]", "")); }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) stop();
    sampler.interrupt();
    if (jmx != null) {
      try {
        jmx.close();
      } catch (IOException e) {
        // gone with the process
      }
    }
  }
}
