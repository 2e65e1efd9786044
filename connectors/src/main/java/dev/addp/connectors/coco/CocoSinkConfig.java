package dev.addp.connectors.coco;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Type;

/** Settings of the COCO export sink. */
final class CocoSinkConfig extends AbstractConfig {
  static final String OUTPUT_DIR = "output.dir";
  static final String FILE_TEMPLATE = "file.template";
  static final String DATASETS = "datasets";
  static final String LABELS_MANIFEST = "labels.manifest";

  static final ConfigDef DEF = dev.addp.connectors.registry.RegistrySettings.define(new ConfigDef())
      .define(OUTPUT_DIR, Type.STRING, Importance.HIGH, "folder the per-dataset files are written to")
      .define(FILE_TEMPLATE, Type.STRING, "{dataset}.coco.json", Importance.MEDIUM,
          "instances file name, {dataset} replaced by the dataset id; the JSON-lines export has the same name ending .jsonl")
      .define(DATASETS, Type.LIST, List.of(), Importance.MEDIUM, "datasets to export (empty: every dataset)")
      .define(LABELS_MANIFEST, Type.STRING, "", Importance.MEDIUM,
          "model manifest.json whose `labels` list becomes the categories (empty: the labels the results carry)");

  CocoSinkConfig(Map<String, String> props) { super(DEF, props); }
}
