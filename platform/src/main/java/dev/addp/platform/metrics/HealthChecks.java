package dev.addp.platform.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What {@code /health} (live: restart me if not) and {@code /ready} (send me work, or not yet)
 * answer: named checks, each a condition that the roles register as they start.
 */
public final class HealthChecks {
  private final Map<String, BooleanSupplier> live = new LinkedHashMap<>();
  private final Map<String, BooleanSupplier> ready = new LinkedHashMap<>();

  /** A condition that, once false, means the process should be restarted (a worker thread died). */
  public synchronized void live(String name, BooleanSupplier check) { live.put(name, check); }

  /** A condition for serving: partitions assigned, model loaded, registry reachable. */
  public synchronized void ready(String name, BooleanSupplier check) { ready.put(name, check); }

  /** Names of the liveness checks that fail now (empty: alive). */
  public synchronized List<String> failingLive() { return failing(live); }

  /** Names of the readiness checks that fail now, the liveness ones included (empty: ready). */
  public synchronized List<String> failingReady() {
    List<String> out = failing(live);
    out.addAll(failing(ready));
    return out;
  }

  private static List<String> failing(Map<String, BooleanSupplier> checks) {
    List<String> out = new ArrayList<>();
    checks.forEach((name, check) -> {
      boolean ok;
      try {
        ok = check.getAsBoolean();
      } catch (RuntimeException e) {
        ok = false;
      }
      if (!ok) out.add(name);
    });
    return out;
  }
}
