package dev.addp.connectors.files;

import dev.addp.schemas.Identifiers;
import java.nio.file.Path;

/**
 * Where a sink may write for a name a record carries (a job id, a dataset): only a valid name
 * ({@link Identifiers}), used unchanged, so the path stays inside the sink's folder and two names
 * never share a file; and the resolved path is checked to be inside the folder all the same.
 */
public final class NamedPaths {
  private NamedPaths() { }

  /**
   * {@code folder/<file name made by the template from the name>}.
   *
   * @throws IllegalArgumentException naming the reason when the name is invalid or the path would leave the folder
   */
  public static Path inside(Path folder, String kind, String name, String template) {
    String problem = Identifiers.nameProblem(kind, name);
    if (problem != null) throw new IllegalArgumentException(problem);
    Path root = folder.toAbsolutePath().normalize();
    Path target = root.resolve(template.replace("{" + kind + "}", name)).normalize();
    if (!target.startsWith(root) || target.equals(root)) {
      throw new IllegalArgumentException(kind + " '" + name + "' with the file template '" + template + "' leaves the folder " + root);
    }
    return target;
  }
}
