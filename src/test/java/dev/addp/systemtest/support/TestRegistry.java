package dev.addp.systemtest.support;

import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * The schema registry distribution the system tests start: the one the app module's build unpacks,
 * passed by the root pom's failsafe configuration ({@value #PROPERTY}); relative to the working
 * directory (the repository root) when a test runs without it.
 */
public final class TestRegistry {
  static final String PROPERTY = "addp.it.registry.distribution";

  private TestRegistry() { }

  public static Path distribution() {
    return Paths.get(System.getProperty(PROPERTY, "app/target/apicurio-registry"));
  }
}
