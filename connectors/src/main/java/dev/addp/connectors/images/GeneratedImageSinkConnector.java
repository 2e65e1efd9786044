package dev.addp.connectors.images;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Kafka Connect sink: generated images → {@code <output.dir>/<job id>/<index>.png} plus
 * {@code <index>.json} (seed, job, steps, model lineage, worker, attempt). Each file is written
 * atomically and its name is determined by the record, so a record delivered twice rewrites the
 * same bytes: exactly one file per image across restarts.
 */
public final class GeneratedImageSinkConnector extends SinkConnector {
  static final String OUTPUT_DIR = "output.dir";
  static final ConfigDef DEF = dev.addp.connectors.registry.RegistrySettings.define(new ConfigDef())
      .define(OUTPUT_DIR, Type.STRING, Importance.HIGH, "folder for the images, one subfolder per job");

  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    new AbstractConfig(DEF, props);
    this.props = props;
  }

  @Override
  public Class<? extends Task> taskClass() { return GeneratedImageSinkTask.class; }

  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) {
    List<Map<String, String>> tasks = new ArrayList<>();
    for (int i = 0; i < maxTasks; i++) tasks.add(props); // files are per record: tasks never share one
    return tasks;
  }

  @Override
  public void stop() { }

  @Override
  public ConfigDef config() { return DEF; }

  @Override
  public String version() { return "0.1.0"; }
}
