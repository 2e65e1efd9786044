package dev.addp.processors.streams;

import dev.addp.platform.config.Settings;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.schemas.DeadLetters;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.wire.WireFormatException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The deserialization handler of every Streams application: a record a topology cannot read
 * becomes a typed dead letter, written in the task's transaction, and the stream goes on; without
 * it one unreadable record kills the stream thread, and its replacement reads the same record.
 * An unreachable registry says nothing about the record, so it fails the thread instead (the
 * record is read again once the registry answers).
 *
 * <p>Kafka Streams builds the handler from its class name; what it writes with comes in through
 * the settings under {@link #TARGET}.
 */
public final class DeadLetterOnUnreadable implements DeserializationExceptionHandler {
  /** Settings key of the {@link Target} the handler writes to. */
  public static final String TARGET = "addp.deserialization.dead.letters";
  private static final Logger log = LoggerFactory.getLogger(DeadLetterOnUnreadable.class);

  /** Where and how unreadable records are dead-lettered, and what counts them (by typed reason). */
  public record Target(String topic, DeadLetters deadLetters, Serializer<DeadLetter> serializer, Consumer<String> counter) { }

  private Target target;

  /**
   * The settings that install the handler in an application: unreadable records become dead letters
   * of stage {@code applicationId}, counted in {@code addp_streams_dead_letters_total{application, reason}}.
   */
  public static Map<String, Object> settings(AddpConfig config, String applicationId, AvroSerdes serdes, MeterRegistry registry) {
    DeadLetters deadLetters = new DeadLetters(applicationId, config.get(Settings.WORKER_ID, applicationId),
        config.getInt(Settings.DEADLETTER_MAX_ORIGINAL_BYTES));
    Consumer<String> counter = reason -> Counter.builder("addp.streams.dead.letters")
        .description("records a Streams application could not read, dead-lettered, by typed reason")
        .tag("application", applicationId).tag("reason", reason).register(registry).increment();
    return Map.of(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterOnUnreadable.class,
        TARGET, new Target(Topics.from(config).deadLetters(), deadLetters, serdes.deadLetter(), counter));
  }

  @Override
  public void configure(Map<String, ?> configs) {
    Object t = configs.get(TARGET);
    if (!(t instanceof Target)) throw new IllegalStateException("setting " + TARGET + " must hold the dead-letter target");
    this.target = (Target) t;
  }

  @Override
  public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
    if (causedBy(exception, RegistryUnavailableException.class) != null) {
      log.warn("cannot read {}-{}@{} while the schema registry is unreachable; retrying: {}", record.topic(), record.partition(),
          record.offset(), exception.getMessage());
      return Response.fail();
    }
    WireFormatException typed = causedBy(exception, WireFormatException.class);
    ErrorType type = typed != null ? typed.type() : ErrorType.INTERNAL;
    DeadLetter letter = target.deadLetters().of(type, typed != null ? typed : exception, record.topic(), record.partition(),
        record.offset(), record.timestamp(), record.key(), record.value(), null);
    byte[] value = target.serializer().serialize(target.topic(), letter);
    target.counter().accept(type.toString());
    log.warn("dead-lettered unreadable record {}-{}@{} as {}: {}", record.topic(), record.partition(), record.offset(), type,
        exception.getMessage());
    return Response.resume(List.of(new ProducerRecord<>(target.topic(), null, record.timestamp(), record.key(), value)));
  }

  static <E extends Throwable> E causedBy(Throwable e, Class<E> type) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) return type.cast(t);
    }
    return null;
  }
}
