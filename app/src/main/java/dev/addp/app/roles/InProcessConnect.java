package dev.addp.app.roles;

import dev.addp.connectors.imagefolder.ImageFolderSourceConnector;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.connect.cli.ConnectStandalone;
import org.apache.kafka.connect.runtime.Connect;
import org.apache.kafka.connect.runtime.Herder;
import org.apache.kafka.connect.runtime.rest.entities.ConnectorInfo;
import org.apache.kafka.connect.runtime.standalone.StandaloneHerder;
import org.apache.kafka.connect.util.FutureCallback;

/**
 * A Kafka Connect standalone worker inside this JVM running the image-folder source on
 * {@code connect.image.folder}. Offsets live in {@code connect.offsets.file}, so a restart does not
 * send the same files again.
 */
public final class InProcessConnect implements AutoCloseable {
  private final Connect<StandaloneHerder> connect;

  private InProcessConnect(Connect<StandaloneHerder> connect) { this.connect = connect; }

  public static InProcessConnect start(AddpConfig config) throws Exception {
    Map<String, String> worker = new HashMap<>();
    // A Connect worker's own clients read the top-level settings, but its task producers, consumers and
    // admins read only producer.*, consumer.* and admin.*: the login goes to all four.
    config.kafkaPassThrough().forEach((k, v) -> {
      for (String prefix : List.of("", "producer.", "consumer.", "admin.")) worker.put(prefix + k, String.valueOf(v));
    });
    worker.put("bootstrap.servers", config.require(AddpConfig.BOOTSTRAP_SERVERS));
    worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    worker.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    worker.put("offset.storage.file.filename", config.get("connect.offsets.file", defaultOffsetsFile()));
    worker.put("offset.flush.interval.ms", "1000");
    worker.put("listeners", "http://127.0.0.1:" + config.get("connect.rest.port", "0"));
    worker.put("plugin.discovery", "service_load"); // plugins come from the classpath's service manifests
    worker.put("producer.max.request.size", String.valueOf(Topics.MAX_MESSAGE_BYTES));
    Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(worker);
    try {
      FutureCallback<Herder.Created<ConnectorInfo>> created = new FutureCallback<>();
      Map<String, String> connector = new HashMap<>(Map.of(
          "name", "image-folder",
          "connector.class", ImageFolderSourceConnector.class.getName(),
          "tasks.max", "1",
          "folder", config.require("connect.image.folder"),
          "topic", Topics.from(config).imagesRaw(),
          "dataset", config.get("connect.dataset", ""),
          "registry.url", config.require(AddpConfig.REGISTRY_URL)));
      String registryLogin = config.get(AddpConfig.REGISTRY_BASIC_AUTH, "");
      if (!registryLogin.isBlank()) connector.put(AddpConfig.REGISTRY_BASIC_AUTH, registryLogin);
      connect.herder().putConnectorConfig("image-folder", connector, false, created);
      created.get(30, TimeUnit.SECONDS);
      return new InProcessConnect(connect);
    } catch (Exception e) {
      connect.stop();
      connect.awaitStop();
      throw e;
    }
  }

  private static String defaultOffsetsFile() {
    try {
      return Files.createTempFile("addp-connect-", ".offsets").toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    connect.stop();
    connect.awaitStop();
  }

}
