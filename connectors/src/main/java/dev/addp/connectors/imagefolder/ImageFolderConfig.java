package dev.addp.connectors.imagefolder;

import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of the image-folder source. */
final class ImageFolderConfig extends AbstractConfig {
  static final String FOLDER = "folder";
  static final String TOPIC = "topic";
  static final String DATASET = "dataset";
  static final String REGISTRY_URL = dev.addp.connectors.registry.RegistrySettings.URL;
  static final String REGISTRY_BASIC_AUTH = dev.addp.connectors.registry.RegistrySettings.BASIC_AUTH;
  static final String POLL_INTERVAL_MS = "poll.interval.ms";
  static final String BATCH_SIZE = "batch.size";
  static final String MAX_BYTES = "max.image.bytes";

  static final ConfigDef DEF = dev.addp.connectors.registry.RegistrySettings.define(new ConfigDef())
      .define(FOLDER, Type.STRING, Importance.HIGH, "folder to watch for image files (png, jpg, jpeg, gif, bmp, webp)")
      .define(TOPIC, Type.STRING, "addp.images.raw", Importance.HIGH, "topic for the image requests")
      .define(DATASET, Type.STRING, "", Importance.MEDIUM, "dataset name put on every request (default: the folder name)")
      .define(POLL_INTERVAL_MS, Type.LONG, 1000L, Importance.LOW, "how often to look for new files; a file modified within this interval waits for the next look (it may still be being written)")
      .define(BATCH_SIZE, Type.INT, 100, Importance.LOW, "most files per poll")
      .define(MAX_BYTES, Type.LONG, 16L * 1024 * 1024 - 4096, Importance.LOW,
          "larger files are sent as a file: URI instead of inline bytes");

  ImageFolderConfig(Map<String, String> props) { super(DEF, props); }
}
