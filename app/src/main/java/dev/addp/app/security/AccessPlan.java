package dev.addp.app.security;

import dev.addp.platform.config.Settings;
import static org.apache.kafka.common.acl.AclOperation.CREATE;
import static org.apache.kafka.common.acl.AclOperation.DELETE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;

import dev.addp.app.folder.DatasetRun;
import dev.addp.app.roles.InProcessConnect;
import dev.addp.app.roles.ServiceGroups;
import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.Topics;
import dev.addp.processors.ingest.IngestTopology;
import dev.addp.processors.status.JobStatusTopology;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The least-privilege access of every role of `addp serve` and every CLI client, under the
 * configured topic prefix. Names come from {@link Topics}, {@link ClientIds} and the Streams
 * application ids the roles themselves use, so the printed ACLs follow any renaming; the secure
 * system test runs every role with only these grants, so a role that starts touching something
 * else fails there.
 *
 * <p>Groups need READ (join, commit, and offsets sent in a transaction); transactional ids need
 * WRITE (DESCRIBE is implied); producers need no cluster-level IDEMPOTENT_WRITE (Kafka 3.0+,
 * KIP-679). Transactional ids are PREFIXED because each worker instance adds its worker id;
 * Streams adds its process id and thread to the application id.
 */
public final class AccessPlan {
  /** Every client, in the order they are printed. */
  public static final List<String> CLIENTS = List.of("ingest", "recognition", "generation", "status", "connect",
      RecognitionRoundTrip.CLIENT, GenerationClient.CLIENT, DatasetRun.CLIENT, "cancel", "create-topics");
  /** Setting that names a client's principal; the default is {@code User:addp-<client>}. */
  public static final String PRINCIPAL_KEY = Settings.ACL_PRINCIPAL.key();

  private AccessPlan() { }

  public static List<ClientAccess> of(AddpConfig config) { return of(config, CLIENTS); }

  public static List<ClientAccess> of(AddpConfig config, List<String> clients) {
    List<ClientAccess> out = new ArrayList<>();
    for (String client : clients) out.add(new ClientAccess(client, principal(config, client), grants(config, client)));
    return out;
  }

  public static String principal(AddpConfig config, String client) {
    return config.get(PRINCIPAL_KEY + client, "User:addp-" + client);
  }

  static List<Grant> grants(AddpConfig config, String client) {
    Topics t = Topics.from(config);
    ClientIds ids = ClientIds.from(config);
    return switch (client) {
      case "ingest" -> {
        List<Grant> g = new ArrayList<>(List.of(Grant.topic(t.imagesRaw(), READ)));
        recognitionRequestTopics(t).forEach(topic -> g.add(Grant.topic(topic, WRITE)));
        g.add(Grant.topic(t.deadLetters(), WRITE));
        yield streamsApp(IngestTopology.applicationId(config), false, g);
      }
      case "recognition" -> {
        List<Grant> g = new ArrayList<>();
        recognitionRequestTopics(t).forEach(topic -> g.add(Grant.topic(topic, READ)));
        g.addAll(List.of(
            Grant.topic(t.recognitionResults(), WRITE),
            Grant.topic(t.deadLetters(), WRITE),
            Grant.group(ids.recognitionGroup()),
            Grant.transactionalIdsStartingWith(ids.recognitionTransactionalIdPrefix())));
        // a routed model's workers read its own topic as their own group
        t.routedModels().forEach(model -> g.add(Grant.group(ids.recognitionGroupFor(model))));
        yield g;
      }
      case "generation" -> List.of(
          Grant.topic(t.generationRequests(), READ),
          Grant.topic(t.generationControl(), READ), // cancel commands
          Grant.topic(t.generationEvents(), WRITE),
          Grant.topic(t.generationJobs(), READ, WRITE), // READ: the job states of request partitions taken over
          Grant.topic(t.generationResults(), WRITE),
          Grant.topic(t.deadLetters(), WRITE),
          Grant.group(ids.generationGroup()),
          Grant.transactionalIdsStartingWith(ids.generationTransactionalIdPrefix()));
      case "status" -> status(config, t);
      case "connect" -> connect(config, t);
      case RecognitionRoundTrip.CLIENT -> List.of(
          Grant.topic(t.imagesRaw(), WRITE),
          Grant.topic(t.recognitionResults(), READ),
          Grant.topic(t.deadLetters(), READ),
          Grant.groupsStartingWith(ids.clientGroupPrefix(RecognitionRoundTrip.CLIENT)));
      case GenerationClient.CLIENT -> List.of(
          Grant.topic(t.generationRequests(), WRITE),
          Grant.topic(t.generationEvents(), READ),
          Grant.topic(t.generationResults(), READ),
          Grant.groupsStartingWith(ids.clientGroupPrefix(GenerationClient.CLIENT)));
      // `addp annotate`: the dataset's manifest and images in; its results, dead letters and progress out
      case DatasetRun.CLIENT -> List.of(
          Grant.topic(t.datasets(), WRITE),
          Grant.topic(t.imagesRaw(), WRITE),
          Grant.topic(t.recognitionResults(), READ),
          Grant.topic(t.deadLetters(), READ),
          Grant.topic(t.datasetProgress(), READ),
          Grant.groupsStartingWith(ids.clientGroupPrefix(DatasetRun.CLIENT)));
      case "cancel" -> List.of(Grant.topic(t.generationControl(), WRITE));
      // `addp serve --create-topics`: creates what is missing, then waits for the partitions' leaders
      case "create-topics" -> List.of(Grant.topicsStartingWith(t.prefix(), CREATE, DESCRIBE));
      default -> throw new IllegalArgumentException("unknown client '" + client + "'; known: " + String.join(", ", CLIENTS));
    };
  }

  /**
   * The status role: one Streams application (the job-status table and the per-dataset progress,
   * with state stores and a repartition topic), the operator's console (recent requests, results,
   * dead letters and generated images; cancel from the page) and the consumer lag of every group
   * of the service (committed offsets: DESCRIBE on the groups; the age of the oldest record behind:
   * READ on their input topics).
   */
  private static List<Grant> status(AddpConfig config, Topics t) {
    String app = JobStatusTopology.applicationId(config);
    Set<String> read = new LinkedHashSet<>(List.of(t.generationEvents(), t.datasets(), t.recognitionResults(), t.deadLetters(),
        t.generationResults(), t.imagesRaw(), t.generationRequests()));
    read.addAll(recognitionRequestTopics(t));
    List<Grant> g = new ArrayList<>();
    read.forEach(topic -> g.add(Grant.topic(topic, READ)));
    g.add(Grant.topic(t.datasetProgress(), WRITE));
    g.add(Grant.topic(t.datasetCompletions(), WRITE));
    g.add(Grant.topic(t.generationControl(), WRITE)); // the console's cancel button; tombstones of ended jobs
    List<Grant> all = streamsApp(app, true, g);
    for (String group : ServiceGroups.all(config)) {
      if (!group.equals(app)) all.add(new Grant(ResourceType.GROUP, PatternType.LITERAL, group, List.of(DESCRIBE)));
    }
    return all;
  }

  /**
   * The Connect role (standalone: offsets in a local file, so no internal topics): the image-folder
   * source writes raw images; the image folder always, since `addp serve` may be given one later. The
   * sinks the configuration names read their topics as their own groups ({@link InProcessConnect#sinkGroup}); the
   * COCO sink's group is granted by prefix because `addp annotate` names one sink per dataset
   * ({@code <prefix>coco-<dataset>}). The sinks write the records they refuse to the dead-letter topic.
   */
  private static List<Grant> connect(AddpConfig config, Topics t) {
    List<Grant> g = new ArrayList<>(List.of(Grant.topic(t.imagesRaw(), WRITE)));
    boolean coco = !config.get(Settings.CONNECT_COCO_DIR).isBlank();
    if (coco) {
      g.add(Grant.topic(t.recognitionResults(), READ));
      g.add(Grant.groupsStartingWith(t.prefix() + "coco-"));
      String name = config.get(Settings.CONNECT_COCO_NAME, t.prefix() + "coco-export");
      if (!name.startsWith(t.prefix() + "coco-")) g.add(Grant.group(InProcessConnect.sinkGroup(name)));
    }
    if (!config.get(Settings.CONNECT_IMAGES_DIR).isBlank()) {
      g.add(Grant.topic(t.generationResults(), READ));
      g.add(Grant.group(InProcessConnect.sinkGroup(InProcessConnect.imagesSinkName(t))));
    }
    if (coco || !config.get(Settings.CONNECT_IMAGES_DIR).isBlank()) g.add(Grant.topic(t.deadLetters(), WRITE)); // refused records
    return g;
  }

  /** The shared recognition requests topic and the topic of every routed model. */
  private static List<String> recognitionRequestTopics(Topics t) {
    List<String> out = new ArrayList<>(List.of(t.recognitionRequests()));
    for (String model : t.routedModels()) out.add(t.recognitionRequestsFor(model));
    return out;
  }

  /**
   * A Kafka Streams application with exactly-once v2: its group is the application id, its
   * transactional ids start with it, and so do the names of its internal topics, if it has any
   * (DELETE: Streams purges records of its repartition topics once they are processed).
   */
  private static List<Grant> streamsApp(String applicationId, boolean internalTopics, List<Grant> topics) {
    List<Grant> g = new ArrayList<>(topics);
    if (internalTopics) g.add(Grant.topicsStartingWith(applicationId + "-", CREATE, READ, WRITE, DELETE));
    g.add(Grant.group(applicationId));
    g.add(Grant.transactionalIdsStartingWith(applicationId + "-"));
    return g;
  }
}
