package dev.addp.connectors.files;

import org.apache.kafka.connect.sink.ErrantRecordReporter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.slf4j.Logger;

/**
 * A record a sink can never write (unreadable bytes, an invalid name): logged with its coordinates
 * and reason, and handed to Connect's errant-record reporter, which writes it to the connector's
 * dead-letter queue when one is configured ({@code errors.tolerance=all},
 * {@code errors.deadletterqueue.topic.name}). Its offset is then committed like any other: retrying
 * a record that can never be written would stop the export for good.
 */
public final class RefusedRecords {
  private RefusedRecords() { }

  public static void refuse(SinkTaskContext context, Logger log, SinkRecord record, Throwable why) {
    log.error("not writing the record at {}-{}@{}: {}", record.topic(), record.kafkaPartition(), record.kafkaOffset(), why.getMessage());
    ErrantRecordReporter reporter = reporter(context);
    if (reporter != null) reporter.report(record, why);
  }

  private static ErrantRecordReporter reporter(SinkTaskContext context) {
    try {
      return context == null ? null : context.errantRecordReporter();
    } catch (NoSuchMethodError | UnsupportedOperationException olderRuntime) {
      return null;
    }
  }
}
