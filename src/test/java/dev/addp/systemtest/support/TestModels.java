package dev.addp.systemtest.support;

import java.nio.file.Path;

/** The committed model zoo the system tests run on (override with -Daddp.model.dir / -Daddp.sample.dir). */
public final class TestModels {
  private TestModels() { }

  public static Path modelDir() { return Path.of(System.getProperty("addp.model.dir", "models/zoo/addp-fmnist")); }

  public static Path sampleDir() { return Path.of(System.getProperty("addp.sample.dir", "models/zoo/fashion-mnist-test")); }
}
