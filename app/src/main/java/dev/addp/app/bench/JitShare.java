package dev.addp.app.bench;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/** Share of one core the JIT compilers used while a task ran: a measurement taken while they still compile is not steady. */
final class JitShare {
  private final CompilationMXBean bean = ManagementFactory.getCompilationMXBean();

  double during(Runnable task) {
    long compileMs = bean.getTotalCompilationTime();
    long t0 = System.nanoTime();
    task.run();
    return (bean.getTotalCompilationTime() - compileMs) / ((System.nanoTime() - t0) / 1e6);
  }
}
