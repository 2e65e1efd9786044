package dev.addp.app.roles;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.Topics;
import dev.addp.processors.ingest.IngestTopology;
import dev.addp.processors.status.JobStatusTopology;
import java.util.ArrayList;
import java.util.List;

/** The consumer groups of the service (worker groups and Kafka Streams application ids), whose lag is measured. */
public final class ServiceGroups {
  private ServiceGroups() { }

  /** The recognition workers' group, as the worker names it. */
  static String recognition(Topics topics) { return new ClientIds(topics.prefix()).recognitionGroup(); }

  /** The generation workers' group, as the worker names it. */
  static String generation(Topics topics) { return new ClientIds(topics.prefix()).generationGroup(); }

  /** Every group: ingest, the recognition workers (and those of each routed model, on their own topic), generation, status. */
  public static List<String> all(AddpConfig config) {
    Topics topics = Topics.from(config);
    ClientIds ids = new ClientIds(topics.prefix());
    List<String> groups = new ArrayList<>(List.of(IngestTopology.applicationId(config), recognition(topics)));
    topics.routedModels().forEach(model -> groups.add(ids.recognitionGroupFor(model)));
    groups.add(generation(topics));
    groups.add(JobStatusTopology.applicationId(config));
    return List.copyOf(groups);
  }
}
