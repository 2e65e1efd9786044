package dev.addp.connectors.imagefolder;

import dev.addp.avro.ImageRequest;
import dev.addp.avro.Task;
import dev.addp.schemas.wire.AvroWireSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.errors.RetriableException;
import org.apache.kafka.connect.source.SourceRecord;
import org.apache.kafka.connect.source.SourceTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Lists the folder, skips files already sent (per the stored offsets), sends the rest in name order. */
public final class ImageFolderSourceTask extends SourceTask {
  private static final Logger log = LoggerFactory.getLogger(ImageFolderSourceTask.class);
  private Path folder;
  private String topic;
  private String dataset;
  private long pollIntervalMs;
  private int batchSize;
  private long maxInlineBytes;
  private AvroWireSerde<ImageRequest> serde;
  private final Set<String> sent = new HashSet<>();

  @Override
  public void start(Map<String, String> props) {
    ImageFolderConfig c = new ImageFolderConfig(props);
    folder = Path.of(c.getString(ImageFolderConfig.FOLDER)).toAbsolutePath();
    topic = c.getString(ImageFolderConfig.TOPIC);
    dataset = c.getString(ImageFolderConfig.DATASET).isEmpty() ? folder.getFileName().toString() : c.getString(ImageFolderConfig.DATASET);
    pollIntervalMs = c.getLong(ImageFolderConfig.POLL_INTERVAL_MS);
    batchSize = c.getInt(ImageFolderConfig.BATCH_SIZE);
    maxInlineBytes = c.getLong(ImageFolderConfig.MAX_BYTES);
    serde = AvroWireSerde.of(dev.addp.connectors.registry.RegistrySettings.client(c), ImageRequest.class);
  }

  @Override
  public List<SourceRecord> poll() throws InterruptedException {
    List<SourceRecord> out = new ArrayList<>();
    for (Path file : newFiles()) {
      if (out.size() >= batchSize) break;
      try {
        out.add(record(file));
      } catch (IOException e) { // gone or unreadable since it was listed: the task goes on with the others
        log.warn("skipping {}: {}", file, e.toString());
      }
    }
    if (out.isEmpty()) Thread.sleep(pollIntervalMs);
    return out;
  }

  /**
   * Files not sent yet in their current version (path, size, modification time). A file modified
   * within the last poll interval may still be being written and waits for a later poll.
   */
  private List<Path> newFiles() {
    long settledBefore = System.currentTimeMillis() - pollIntervalMs;
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> fresh = new ArrayList<>();
      for (Path f : files.filter(Files::isRegularFile).filter(ImageFolderSourceTask::isImage).sorted().toList()) {
        String key;
        try {
          long modified = Files.getLastModifiedTime(f).toMillis();
          if (modified > settledBefore) continue;
          key = f.toString() + '@' + Files.size(f) + '@' + modified;
        } catch (IOException e) {
          log.warn("skipping {}: {}", f, e.toString());
          continue;
        }
        if (sent.contains(key)) continue;
        Map<String, Object> stored = context.offsetStorageReader().offset(partition(f));
        if (stored != null && key.equals(stored.get("version"))) {
          sent.add(key);
          continue;
        }
        fresh.add(f);
      }
      return fresh;
    } catch (IOException e) {
      throw new RetriableException("cannot list " + folder, e); // Connect polls again
    }
  }

  private SourceRecord record(Path file) throws IOException {
    long size = Files.size(file);
    String key = file.toString() + '@' + size + '@' + Files.getLastModifiedTime(file).toMillis();
    String id = dataset + "/" + file.getFileName();
    ImageRequest.Builder r = ImageRequest.newBuilder().setRequestId(id).setDataset(dataset).setTasks(List.of(Task.CLASSIFY))
        .setSubmittedAtMs(System.currentTimeMillis()).setAttributes(Map.of("file", file.toString()));
    if (size <= maxInlineBytes) r.setImageBytes(ByteBuffer.wrap(Files.readAllBytes(file)));
    else r.setImageUri(file.toUri().toString());
    sent.add(key);
    return new SourceRecord(partition(file), Map.of("version", key), topic, null,
        Schema.STRING_SCHEMA, id, Schema.BYTES_SCHEMA, serde.serialize(topic, r.build()));
  }

  private static Map<String, String> partition(Path file) { return Map.of("file", file.toString()); }

  private static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg") || n.endsWith(".gif") || n.endsWith(".bmp") || n.endsWith(".webp");
  }

  @Override
  public void stop() { }

  @Override
  public String version() { return "0.1.0"; }
}
