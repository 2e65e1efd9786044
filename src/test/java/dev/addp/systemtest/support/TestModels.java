package dev.addp.systemtest.support;

import java.nio.file.Path;

/** The committed model zoo the system tests run on (override with -Daddp.model.dir / -Daddp.sample.dir). */
public final class TestModels {
  private TestModels() { }

  public static Path modelDir() { return Path.of(System.getProperty("addp.model.dir", "models/zoo/addp-fmnist")); }

  /** The dense model (boxes and masks), beside the classifier; override with -Daddp.dense.model.dir. */
  public static Path denseModelDir() { return Path.of(System.getProperty("addp.dense.model.dir", "models/zoo/addp-fmnist-dense")); }

  /** The dense test scenes the Python export evaluated; override with -Daddp.scenes.dir. */
  public static Path scenesDir() { return Path.of(System.getProperty("addp.scenes.dir", "models/zoo/scenes-test")); }

  public static Path sampleDir() { return Path.of(System.getProperty("addp.sample.dir", "models/zoo/fashion-mnist-test")); }
}
