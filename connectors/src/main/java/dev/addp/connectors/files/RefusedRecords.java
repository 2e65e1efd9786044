package dev.addp.connectors.files;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.schemas.DeadLetters;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.schemas.wire.AvroWireSerde;
import dev.addp.schemas.wire.WireFormatException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;

/**
 * Records a sink can never write (unreadable bytes, an invalid name) become typed dead letters in
 * the service's dead-letter topic, in the format the workers write there. They travel through
 * Connect's errant-record reporter: the connector's dead-letter queue is the service's dead-letter
 * topic ({@value #DEAD_LETTER_TOPIC}, with {@code errors.tolerance=all} and the byte-array value
 * converter), and the record reported is the dead letter itself, so Connect writes its bytes as
 * they are and waits for the write before it commits the refused record's offset. The offset is
 * then committed like any other: retrying a record that can never be written would stop the export
 * for good. Without a dead-letter topic configured the refusal is only logged.
 */
public final class RefusedRecords {
  /** The connector setting that names Connect's dead-letter queue (here: the service's dead-letter topic). */
  public static final String DEAD_LETTER_TOPIC = "errors.deadletterqueue.topic.name";

  private final String topic;
  private final DeadLetters deadLetters;
  private final AvroWireSerde<DeadLetter> serde;
  private final Logger log;

  /** {@code stage} names the sink in its dead letters (the connector's name). */
  public RefusedRecords(Map<String, String> props, String stage, SchemaRegistryClient registry, Logger log) {
    String t = props.get(DEAD_LETTER_TOPIC);
    this.topic = t == null || t.isBlank() ? null : t;
    this.deadLetters = new DeadLetters(stage, stage, DeadLetters.DEFAULT_MAX_ORIGINAL_BYTES);
    this.serde = AvroWireSerde.of(registry, DeadLetter.class);
    this.log = log;
  }

  /** The typed reason for a record that could not be read: the wire format's, else INTERNAL. */
  public static ErrorType unreadable(Throwable why) {
    return why instanceof WireFormatException w ? w.type() : ErrorType.INTERNAL;
  }

  /**
   * Dead-letters {@code record} with its reason.
   *
   * @throws dev.addp.schemas.registry.RegistryUnavailableException when the dead letter's schema cannot
   *     be registered: nothing about the record, so the sink has the batch delivered again
   */
  public void refuse(SinkTaskContext context, SinkRecord record, ErrorType type, Throwable why) {
    ErrantRecordReporter reporter = topic == null ? null : reporter(context);
    if (reporter == null) {
      log.error("not writing the record at {}-{}@{} ({}; no {} configured to keep it): {}", record.topic(), record.kafkaPartition(),
          record.kafkaOffset(), type, DEAD_LETTER_TOPIC, why.getMessage());
      return;
    }
    byte[] value = record.value() instanceof byte[] b ? b : null;
    DeadLetter letter = deadLetters.of(type, why, record.topic(), record.kafkaPartition(), record.kafkaOffset(),
        record.timestamp() == null ? -1 : record.timestamp(), keyBytes(record.key()), value, null);
    byte[] bytes = serde.serialize(topic, letter);
    log.warn("dead-lettered the record at {}-{}@{} as {}: {}", record.topic(), record.kafkaPartition(), record.kafkaOffset(), type,
        why.getMessage());
    // the same topic and partition as the refused record: Connect waits for the reports of a partition before committing it
    reporter.report(new SinkRecord(record.topic(), record.kafkaPartition(), Schema.OPTIONAL_STRING_SCHEMA, letter.getRequestId(),
        Schema.OPTIONAL_BYTES_SCHEMA, bytes, record.kafkaOffset(), record.timestamp(), record.timestampType()), why);
  }

  private static byte[] keyBytes(Object key) {
    if (key == null) return null;
    if (key instanceof byte[] b) return b;
    return String.valueOf(key).getBytes(StandardCharsets.UTF_8);
  }

  private static ErrantRecordReporter reporter(SinkTaskContext context) {
    try {
      return context == null ? null : context.errantRecordReporter();
    } catch (NoSuchMethodError | UnsupportedOperationException olderRuntime) {
      return null;
    }
  }
}
