package dev.addp.connectors.coco;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.sink.SinkConnector;

/**
 * Kafka Connect sink: recognition results → per dataset, a COCO 1.0 instances file and a
 * JSON-lines export, written atomically, exactly once across restarts (see {@link CocoSinkTask}).
 * Use the ByteArrayConverter for values and {@code consumer.isolation.level=read_committed} on
 * the worker (results are written in transactions).
 */
public final class CocoSinkConnector extends SinkConnector {
  private Map<String, String> props;

  @Override
  public void start(Map<String, String> props) {
    new CocoSinkConfig(props);
    this.props = props;
  }

  @Override
  public Class<? extends Task> taskClass() { return CocoSinkTask.class; }

  /** One task: a dataset's file has one writer (its results are spread over every partition). */
  @Override
  public List<Map<String, String>> taskConfigs(int maxTasks) { return Collections.singletonList(props); }

  @Override
  public void stop() { }

  @Override
  public ConfigDef config() { return CocoSinkConfig.DEF; }

  @Override
  public String version() { return "0.1.0"; }
}
