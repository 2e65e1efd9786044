package dev.addp.connectors.imagefolder;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.source.SourceConnector;

/**
 * Kafka Connect source: every image file that appears in a folder becomes one ImageRequest on the
 * raw images topic (Confluent wire format, value converter ByteArrayConverter). Each file is sent
 * once: its path is the source partition and its size and modification time the offset.
 */
public final class ImageFolderSourceConnector extends SourceConnector {
  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    new ImageFolderConfig(props); // validates
    this.props = props;
  }

  @Override
  public Class<? extends Task> taskClass() { return ImageFolderSourceTask.class; }

  /** One task: a folder listing is not split between tasks. */
  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) { return List.of(props); }

  @Override
  public void stop() { }

  @Override
  public ConfigDef config() { return ImageFolderConfig.DEF; }

  @Override
  public String version() { return "0.1.0"; }
}
