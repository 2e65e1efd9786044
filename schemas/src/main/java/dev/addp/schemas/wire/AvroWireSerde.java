package dev.addp.schemas.wire;

import dev.addp.avro.ErrorType;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.schemas.registry.UnknownSchemaIdException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Confluent wire format for one generated Avro type: magic byte 0, 4-byte big-endian schema id,
 * Avro binary. Subjects follow TopicNameStrategy ({@code <topic>-value}). Reading resolves the
 * writer schema (from the registry, by id) against this type's schema, so older and newer
 * compatible writers are read as this type. Decoding is bounded ({@link BoundedDecoder}): whatever
 * lengths a record claims, it cannot allocate much more than its own size.
 */
public final class AvroWireSerde<T extends SpecificRecord> implements Serde<T>, Serializer<T>, Deserializer<T> {
  public static final byte MAGIC = 0;
  private static final int HEADER = 5;

  private final SchemaRegistryClient registry;
  private final Schema readerSchema;
  private final boolean autoRegister;
  private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();
  /** Schema id per subject: looked up once, not per record (a schema's text is costly to build). */
  private final Map<String, Integer> idBySubject = new ConcurrentHashMap<>();
  private final SpecificDatumWriter<T> writer;

  public AvroWireSerde(SchemaRegistryClient registry, Class<T> type, boolean autoRegister) {
    this.registry = registry;
    this.readerSchema = SpecificData.get().getSchema(type);
    this.autoRegister = autoRegister;
    this.writer = new SpecificDatumWriter<>(readerSchema);
  }

  public static <T extends SpecificRecord> AvroWireSerde<T> of(SchemaRegistryClient registry, Class<T> type) {
    return new AvroWireSerde<>(registry, type, true);
  }

  public Schema schema() { return readerSchema; }

  @Override
  public byte[] serialize(String topic, T value) {
    if (value == null) return null;
    int id = idBySubject.computeIfAbsent(topic + "-value",
        subject -> autoRegister ? registry.register(subject, readerSchema) : registry.lookup(subject, readerSchema));
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    out.write(MAGIC);
    out.writeBytes(ByteBuffer.allocate(4).putInt(id).array());
    try {
      BinaryEncoder enc = EncoderFactory.get().binaryEncoder(out, null);
      writer.write(value, enc);
      enc.flush();
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode " + readerSchema.getFullName(), e);
    }
    return out.toByteArray();
  }

  /**
   * @throws WireFormatException with a typed reason for bytes that are not a readable record
   * @throws dev.addp.schemas.registry.RegistryUnavailableException when the registry cannot be asked
   */
  @Override
  public T deserialize(String topic, byte[] data) {
    if (data == null) return null;
    if (data.length < HEADER || data[0] != MAGIC) {
      throw new WireFormatException(ErrorType.NOT_WIRE_FORMAT,
          "value of " + data.length + " bytes is not Confluent wire format (needs magic byte 0 and a 4-byte schema id)", null);
    }
    int id = ByteBuffer.wrap(data, 1, 4).getInt();
    SpecificDatumReader<T> reader;
    try {
      reader = readers.computeIfAbsent(id, this::readerFor);
    } catch (UnknownSchemaIdException e) {
      throw new WireFormatException(ErrorType.UNKNOWN_SCHEMA_ID, e.getMessage(), e);
    } catch (AvroRuntimeException e) {
      throw new WireFormatException(ErrorType.SCHEMA_MISMATCH,
          "schema id " + id + " cannot be read as " + readerSchema.getFullName() + ": " + e.getMessage(), e);
    }
    try {
      return reader.read(null, new BoundedDecoder(data, HEADER, data.length - HEADER));
    } catch (IOException | RuntimeException | StackOverflowError e) {
      // an OutOfMemoryError is not caught: the bounded decoder allocates at most a small multiple of the record's size,
      // so running out of heap says nothing about this record and must not dead-letter it
      throw new WireFormatException(ErrorType.SCHEMA_MISMATCH,
          "bytes do not decode as " + readerSchema.getFullName() + " (schema id " + id + "): " + e, e);
    }
  }

  private SpecificDatumReader<T> readerFor(int id) {
    Schema writerSchema = registry.schemaById(id);
    if (!writerSchema.getFullName().equals(readerSchema.getFullName())) {
      throw new AvroRuntimeException("writer schema is " + writerSchema.getFullName());
    }
    return new SpecificDatumReader<>(writerSchema, readerSchema);
  }

  @Override public Serializer<T> serializer() { return this; }
  @Override public Deserializer<T> deserializer() { return this; }
  @Override public void configure(Map<String, ?> configs, boolean isKey) { }
  @Override public void close() { }
}
