package dev.addp.platform.kafka;

import dev.addp.avro.CancelCommand;
import dev.addp.avro.DatasetManifest;
import dev.addp.avro.DatasetProgress;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.registry.SchemaRegistryClient;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every subject the service owns ({@code <topic>-value}, TopicNameStrategy) with its record type.
 * Registered when the service starts, so a client in another language finds the contract on a fresh
 * deployment before any of our own clients has produced.
 */
public final class ServiceSubjects {
  private static final Logger log = LoggerFactory.getLogger(ServiceSubjects.class);

  private ServiceSubjects() { }

  /** Subject → schema, in topic order. */
  public static Map<String, Schema> of(Topics t) {
    Map<String, Schema> m = new LinkedHashMap<>();
    put(m, t.imagesRaw(), ImageRequest.class);
    put(m, t.recognitionRequests(), ImageRequest.class);
    put(m, t.recognitionResults(), RecognitionResult.class);
    put(m, t.deadLetters(), DeadLetter.class);
    put(m, t.generationRequests(), GenerationRequest.class);
    put(m, t.generationEvents(), GenerationEvent.class);
    put(m, t.generationResults(), GenerationResult.class);
    put(m, t.generationControl(), CancelCommand.class);
    put(m, t.generationJobs(), GenerationEvent.class);
    put(m, t.datasets(), DatasetManifest.class);
    put(m, t.datasetProgress(), DatasetProgress.class);
    put(m, t.datasetCompletions(), DatasetProgress.class);
    return m;
  }

  private static void put(Map<String, Schema> m, String topic, Class<?> type) {
    m.put(topic + "-value", SpecificData.get().getSchema(type));
  }

  /**
   * Registers every subject (idempotent: the registry returns the existing version). An unreachable
   * registry is logged, not fatal: each serde registers its own subject on first use anyway.
   */
  public static void registerAll(SchemaRegistryClient registry, Topics topics) {
    try {
      of(topics).forEach(registry::register);
      log.info("registered {} subjects at {}", of(topics).size(), registry.baseUrl());
    } catch (RegistryUnavailableException e) {
      log.warn("schema registry unreachable at start-up; subjects are registered on first use instead: {}", e.getMessage());
    }
  }
}
