package dev.addp.systemtest.support;

import dev.addp.embedded.EmbeddedStack;

/**
 * One embedded broker + registry for the whole test JVM (they take seconds to start on two cores).
 * Tests isolate themselves with their own topic prefix and consumer groups.
 */
public final class SharedEmbeddedStack {
  private static EmbeddedStack stack;

  private SharedEmbeddedStack() { }

  public static synchronized EmbeddedStack get() {
    if (stack == null) {
      stack = EmbeddedStack.start(2, TestRegistry.distribution());
      Runtime.getRuntime().addShutdownHook(new Thread(stack::close, "shared-stack-shutdown"));
    }
    return stack;
  }
}
