package dev.addp.connectors.coco;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.addp.avro.RecognitionResult;
import dev.addp.connectors.files.AtomicFiles;
import dev.addp.connectors.files.NamedPaths;
import dev.addp.connectors.files.RefusedRecords;
import dev.addp.avro.ErrorType;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.schemas.wire.AvroWireSerde;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.connect.errors.ConnectException;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exactly once without transactions on the file side: the files on disk are the truth. A dataset
 * is read back from its file the first time the task sees it, so a result delivered again after a
 * restart (its offset was not committed yet) is recognised by its request id and ignored. Offsets
 * are handed to Connect in {@link #preCommit} only after every changed file has been rewritten
 * atomically and forced to disk, so a crash never commits an offset whose result is not in a file.
 * An unreachable registry is retried (the batch is delivered again), never skipped; a result that can
 * never be written (unreadable, an invalid dataset name) is refused with its reason ({@link RefusedRecords}).
 */
public final class CocoSinkTask extends SinkTask {
  private static final Logger log = LoggerFactory.getLogger(CocoSinkTask.class);

  private Path outputDir;
  private String template;
  private Set<String> only;
  private List<String> labels;
  private AvroWireSerde<RecognitionResult> serde;
  private RefusedRecords refused;
  private final Map<String, CocoDataset> datasets = new HashMap<>();
  private final Set<String> dirty = new LinkedHashSet<>();

  @Override
  public void start(Map<String, String> props) {
    CocoSinkConfig c = new CocoSinkConfig(props);
    outputDir = Path.of(c.getString(CocoSinkConfig.OUTPUT_DIR));
    template = c.getString(CocoSinkConfig.FILE_TEMPLATE);
    only = new LinkedHashSet<>(c.getList(CocoSinkConfig.DATASETS));
    labels = readLabels(c.getString(CocoSinkConfig.LABELS_MANIFEST));
    SchemaRegistryClient registry = dev.addp.connectors.registry.RegistrySettings.client(c);
    serde = AvroWireSerde.of(registry, RecognitionResult.class);
    refused = new RefusedRecords(props, props.getOrDefault("name", "coco-sink"), registry, log);
    log.info("COCO export task started: {} into {}", only.isEmpty() ? "every dataset" : only, outputDir);
  }

  private static List<String> readLabels(String manifest) {
    if (manifest.isEmpty()) return List.of();
    try {
      List<String> out = new ArrayList<>();
      for (JsonNode l : new ObjectMapper().readTree(Path.of(manifest).toFile()).path("labels")) out.add(l.asText());
      return out;
    } catch (IOException e) {
      throw new ConnectException("cannot read the model labels from " + manifest + ": " + e.getMessage(), e);
    }
  }

  /** Where a dataset's instances file goes (the JSON-lines export sits beside it). */
  public static Path instancesFile(Path outputDir, String template, String dataset) {
    return NamedPaths.inside(outputDir, "dataset", dataset, template);
  }

  static Path jsonLinesFile(Path instances) {
    String n = instances.getFileName().toString();
    return instances.resolveSibling((n.endsWith(".json") ? n.substring(0, n.length() - 5) : n) + ".jsonl");
  }

  @Override
  public void put(Collection<SinkRecord> records) {
    for (SinkRecord record : records) {
      if (record.value() == null) continue;
      RecognitionResult r;
      try {
        r = serde.deserialize(record.topic(), (byte[]) record.value());
      } catch (RegistryUnavailableException e) {
        // says nothing about the record: Connect delivers the batch again (results already added are recognised by id)
        throw new RetriableException("schema registry unreachable, the results will be delivered again: " + e.getMessage(), e);
      } catch (RuntimeException e) {
        refuse(record, RefusedRecords.unreadable(e), e);
        continue;
      }
      String name = r.getDataset();
      if (name.isEmpty() || (!only.isEmpty() && !only.contains(name))) continue;
      try {
        instancesFile(outputDir, template, name);
      } catch (IllegalArgumentException invalid) {
        refuse(record, ErrorType.INVALID_REQUEST, invalid);
        continue;
      }
      if (dataset(name).add(r)) dirty.add(name);
    }
  }

  private void refuse(SinkRecord record, ErrorType type, RuntimeException why) {
    try {
      refused.refuse(context, record, type, why);
    } catch (RegistryUnavailableException e) {
      throw new RetriableException("schema registry unreachable, the results will be delivered again: " + e.getMessage(), e);
    }
  }

  private CocoDataset dataset(String name) {
    return datasets.computeIfAbsent(name, n -> {
      try {
        return CocoDataset.load(n, labels, instancesFile(outputDir, template, n));
      } catch (IOException e) {
        throw new ConnectException("cannot read back " + instancesFile(outputDir, template, n) + ": " + e.getMessage(), e);
      }
    });
  }

  @Override
  public Map<TopicPartition, OffsetAndMetadata> preCommit(Map<TopicPartition, OffsetAndMetadata> currentOffsets) {
    try {
      writeDirty();
      return currentOffsets;
    } catch (IOException e) {
      log.error("cannot write the export files, offsets not committed (the results will be delivered again): {}", e.toString());
      return Map.of();
    }
  }

  private void writeDirty() throws IOException {
    for (String name : new ArrayList<>(dirty)) {
      CocoDataset d = datasets.get(name);
      Path instances = instancesFile(outputDir, template, name);
      AtomicFiles.write(instances, d.instancesJson());
      AtomicFiles.write(jsonLinesFile(instances), d.jsonLines());
      dirty.remove(name);
    }
  }

  @Override
  public void stop() {
    try {
      writeDirty(); // offsets of these results may not be committed: on restart they are delivered again and ignored
    } catch (IOException e) {
      log.warn("export files not written at stop: {}", e.toString());
    }
  }

  @Override
  public String version() { return "0.1.0"; }
}
