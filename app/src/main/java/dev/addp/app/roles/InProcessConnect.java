package dev.addp.app.roles;

import dev.addp.platform.config.Settings;
import dev.addp.connectors.coco.CocoSinkConnector;
import dev.addp.connectors.files.RefusedRecords;
import dev.addp.connectors.imagefolder.ImageFolderSourceConnector;
import dev.addp.connectors.images.GeneratedImageSinkConnector;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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
 * A Kafka Connect standalone worker inside this JVM running the connectors the configuration asks
 * for: the image-folder source on {@code connect.image.folder}, the COCO export sink into
 * {@code connect.coco.dir} (optionally only {@code connect.coco.datasets}, files named by
 * {@code connect.coco.file.template}), the generated-image sink into {@code connect.images.dir}.
 * Source offsets live in {@code connect.offsets.file}, so a restart does not send the same files
 * again; sink offsets are the sink's consumer group's.
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
    worker.put("bootstrap.servers", config.require(Settings.BOOTSTRAP_SERVERS));
    worker.put("key.converter", "org.apache.kafka.connect.storage.StringConverter");
    worker.put("value.converter", "org.apache.kafka.connect.converters.ByteArrayConverter");
    worker.put("offset.storage.file.filename", config.get(Settings.CONNECT_OFFSETS_FILE, defaultOffsetsFile()));
    worker.put("offset.flush.interval.ms", "1000");
    worker.put("listeners", "http://127.0.0.1:" + config.getInt(Settings.CONNECT_REST_PORT));
    worker.put("connector.client.config.override.policy", "All"); // the sinks name their groups (sinkGroup)
    worker.put("plugin.discovery", "service_load"); // plugins come from the classpath's service manifests
    worker.put("producer.max.request.size", String.valueOf(Topics.MAX_MESSAGE_BYTES));
    worker.put("consumer.isolation.level", "read_committed"); // results and generated images are written in transactions
    worker.put("consumer.auto.offset.reset", "earliest");
    Map<String, Map<String, String>> connectors = connectors(config);
    if (connectors.isEmpty()) {
      throw new IllegalArgumentException("the connect role has nothing to run: set connect.image.folder, connect.coco.dir or connect.images.dir");
    }
    Connect<StandaloneHerder> connect = new ConnectStandalone().startConnect(worker);
    try {
      String registryLogin = config.get(Settings.REGISTRY_BASIC_AUTH, "");
      for (Map.Entry<String, Map<String, String>> c : connectors.entrySet()) {
        Map<String, String> connector = new HashMap<>(c.getValue());
        if (!registryLogin.isBlank()) connector.put(AddpConfig.REGISTRY_BASIC_AUTH, registryLogin); // every connector talks to the registry
        FutureCallback<Herder.Created<ConnectorInfo>> created = new FutureCallback<>();
        connect.herder().putConnectorConfig(c.getKey(), connector, false, created);
        created.get(30, TimeUnit.SECONDS);
      }
      return new InProcessConnect(connect);
    } catch (Exception e) {
      connect.stop();
      connect.awaitStop();
      throw e;
    }
  }

  /**
   * The consumer group of a sink connector: {@code <connector name>-sink}, set on the connector
   * (consumer.override.group.id) instead of Connect's {@code connect-<name>}, so that it carries the
   * topic prefix like every other name the service uses (one ACL prefix per deployment).
   */
  public static String sinkGroup(String connectorName) { return connectorName + "-sink"; }

  /** The generated-images sink's connector name. */
  public static String imagesSinkName(Topics topics) { return topics.prefix() + "generated-images"; }

  /** The connectors the configuration asks for, by name. */
  static Map<String, Map<String, String>> connectors(AddpConfig config) {
    Topics topics = Topics.from(config);
    String registry = config.require(Settings.REGISTRY_URL);
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    String folder = config.get(Settings.CONNECT_IMAGE_FOLDER);
    if (!folder.isBlank()) {
      out.put("image-folder", Map.of("name", "image-folder", "connector.class", ImageFolderSourceConnector.class.getName(),
          "tasks.max", "1", "folder", folder, "topic", topics.imagesRaw(), "dataset", config.get(Settings.CONNECT_DATASET),
          "registry.url", registry));
    }
    String coco = config.get(Settings.CONNECT_COCO_DIR);
    if (!coco.isBlank()) {
      String name = config.get(Settings.CONNECT_COCO_NAME, topics.prefix() + "coco-export");
      Map<String, String> c = new LinkedHashMap<>(Map.of("name", name, "connector.class", CocoSinkConnector.class.getName(),
          "tasks.max", "1", "topics", topics.recognitionResults(), "output.dir", coco, "registry.url", registry,
          "consumer.override.group.id", sinkGroup(name),
          "datasets", config.get(Settings.CONNECT_COCO_DATASETS),
          "file.template", config.get(Settings.CONNECT_COCO_FILE_TEMPLATE)));
      c.putAll(refusedToDeadLetters(topics));
      Path manifest = Path.of(config.get(Settings.MODEL_DIR), "manifest.json");
      c.put("labels.manifest", config.get(Settings.CONNECT_COCO_LABELS_MANIFEST, Files.exists(manifest) ? manifest.toString() : ""));
      out.put(name, c);
    }
    String images = config.get(Settings.CONNECT_IMAGES_DIR);
    if (!images.isBlank()) {
      String name = imagesSinkName(topics);
      Map<String, String> c = new LinkedHashMap<>(Map.of("name", name, "connector.class", GeneratedImageSinkConnector.class.getName(),
          "tasks.max", "1", "topics", topics.generationResults(), "output.dir", images, "registry.url", registry,
          "consumer.override.group.id", sinkGroup(name)));
      c.putAll(refusedToDeadLetters(topics));
      out.put(name, c);
    }
    return out;
  }

  /**
   * A sink's refused records (RefusedRecords) go to the service's dead-letter topic: it is the
   * connector's dead-letter queue, which takes the dead letters the sink reports as they are.
   */
  static Map<String, String> refusedToDeadLetters(Topics topics) {
    return Map.of("errors.tolerance", "all", RefusedRecords.DEAD_LETTER_TOPIC, topics.deadLetters(),
        "errors.deadletterqueue.context.headers.enable", "false");
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
