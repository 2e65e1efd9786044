package dev.addp.app.embedded;

import dev.addp.app.cli.AddpCli;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.CodeSource;

/**
 * Where the app's own schema registry distribution lies: the build unpacks it into
 * {@code app/target/apicurio-registry}, beside {@code addp-app.jar} (and beside {@code classes/}
 * when the app runs from the build tree; the Docker image keeps the same layout). Found from the
 * app's code location, so the working directory does not matter. {@code ADDP_REGISTRY_HOME} /
 * {@code -Daddp.registry.home} still override it (see the embedded module's registry launcher).
 */
public final class BundledRegistry {
  static final String FOLDER = "apicurio-registry";

  private BundledRegistry() { }

  public static Path location() {
    CodeSource source = AddpCli.class.getProtectionDomain().getCodeSource();
    if (source == null) return Paths.get("app", "target", FOLDER).toAbsolutePath(); // not loaded from a jar or folder
    try {
      return Paths.get(source.getLocation().toURI()).toAbsolutePath().getParent().resolve(FOLDER);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot read where the addp app was loaded from: " + source.getLocation(), e);
    }
  }
}
