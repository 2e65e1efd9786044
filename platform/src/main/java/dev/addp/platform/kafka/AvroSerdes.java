package dev.addp.platform.kafka;

import dev.addp.platform.config.Settings;
import dev.addp.avro.CancelCommand;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.config.AddpConfig;
import dev.addp.schemas.registry.RegistryRetry;
import dev.addp.schemas.registry.SchemaRegistryClient;
import dev.addp.schemas.wire.AvroWireSerde;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.specific.SpecificRecord;

/**
 * One registry client and the wire-format serde of every record type, built from the configuration.
 * Each serde is built once and reused, so its schema-id and reader caches stay warm across records.
 */
public final class AvroSerdes {
  private final SchemaRegistryClient registry;
  private final boolean autoRegister;
  private final Map<Class<?>, AvroWireSerde<?>> serdes = new ConcurrentHashMap<>();

  public AvroSerdes(SchemaRegistryClient registry, boolean autoRegister) {
    this.registry = registry;
    this.autoRegister = autoRegister;
  }

  public static AvroSerdes from(AddpConfig config) {
    return new AvroSerdes(new SchemaRegistryClient(config.require(Settings.REGISTRY_URL),
        config.get(Settings.REGISTRY_BASIC_AUTH), Duration.ofSeconds(10), RegistryRetry.DEFAULT,
        Duration.ofMillis(config.getLong(Settings.REGISTRY_UNKNOWN_ID_TTL_MS)),
        System::nanoTime),
        config.getBoolean(Settings.REGISTRY_AUTO_REGISTER));
  }

  public SchemaRegistryClient registry() { return registry; }

  @SuppressWarnings("unchecked")
  public <T extends SpecificRecord> AvroWireSerde<T> of(Class<T> type) {
    return (AvroWireSerde<T>) serdes.computeIfAbsent(type, t -> new AvroWireSerde<>(registry, type, autoRegister));
  }

  public AvroWireSerde<ImageRequest> imageRequest() { return of(ImageRequest.class); }
  public AvroWireSerde<RecognitionResult> recognitionResult() { return of(RecognitionResult.class); }
  public AvroWireSerde<DeadLetter> deadLetter() { return of(DeadLetter.class); }
  public AvroWireSerde<GenerationRequest> generationRequest() { return of(GenerationRequest.class); }
  public AvroWireSerde<GenerationEvent> generationEvent() { return of(GenerationEvent.class); }
  public AvroWireSerde<GenerationResult> generationResult() { return of(GenerationResult.class); }
  public AvroWireSerde<CancelCommand> cancelCommand() { return of(CancelCommand.class); }
}
