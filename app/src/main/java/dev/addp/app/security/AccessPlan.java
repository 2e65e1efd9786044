package dev.addp.app.security;

import static org.apache.kafka.common.acl.AclOperation.CREATE;
import static org.apache.kafka.common.acl.AclOperation.DESCRIBE;
import static org.apache.kafka.common.acl.AclOperation.READ;
import static org.apache.kafka.common.acl.AclOperation.WRITE;

import dev.addp.app.run.GenerationClient;
import dev.addp.app.run.RecognitionRoundTrip;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.Topics;
import dev.addp.processors.ingest.IngestTopology;
import dev.addp.processors.status.JobStatusTopology;
import java.util.ArrayList;
import java.util.List;

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
      RecognitionRoundTrip.CLIENT, GenerationClient.CLIENT, "cancel", "create-topics");
  /** Setting that names a client's principal; the default is {@code User:addp-<client>}. */
  public static final String PRINCIPAL_KEY = "acls.principal.";

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
      case "ingest" -> streamsApp(IngestTopology.applicationId(config), false,
          Grant.topic(t.imagesRaw(), READ), Grant.topic(t.recognitionRequests(), WRITE), Grant.topic(t.deadLetters(), WRITE));
      case "recognition" -> List.of(
          Grant.topic(t.recognitionRequests(), READ),
          Grant.topic(t.recognitionResults(), WRITE),
          Grant.topic(t.deadLetters(), WRITE),
          Grant.group(ids.recognitionGroup()),
          Grant.transactionalIdsStartingWith(ids.recognitionTransactionalIdPrefix()));
      case "generation" -> List.of(
          Grant.topic(t.generationRequests(), READ),
          Grant.topic(t.generationControl(), READ), // cancel commands
          Grant.topic(t.generationEvents(), WRITE),
          Grant.topic(t.generationJobs(), READ, WRITE), // READ: the job states of request partitions taken over
          Grant.topic(t.generationResults(), WRITE),
          Grant.topic(t.deadLetters(), WRITE),
          Grant.group(ids.generationGroup()),
          Grant.transactionalIdsStartingWith(ids.generationTransactionalIdPrefix()));
      // the job-status table is a state store: Streams creates and uses its changelog topic
      case "status" -> streamsApp(JobStatusTopology.applicationId(config), true, Grant.topic(t.generationEvents(), READ));
      // standalone Connect: offsets in a local file, so no internal topics; the source writes raw images
      case "connect" -> List.of(Grant.topic(t.imagesRaw(), WRITE));
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
      case "cancel" -> List.of(Grant.topic(t.generationControl(), WRITE));
      // `addp serve --create-topics`: creates what is missing, then waits for the partitions' leaders
      case "create-topics" -> List.of(Grant.topicsStartingWith(t.prefix(), CREATE, DESCRIBE));
      default -> throw new IllegalArgumentException("unknown client '" + client + "'; known: " + String.join(", ", CLIENTS));
    };
  }

  /**
   * A Kafka Streams application with exactly-once v2: its group is the application id, its
   * transactional ids start with it, and so do the names of its internal topics, if it has any.
   */
  private static List<Grant> streamsApp(String applicationId, boolean internalTopics, Grant... topics) {
    List<Grant> g = new ArrayList<>(List.of(topics));
    if (internalTopics) g.add(Grant.topicsStartingWith(applicationId + "-", CREATE, READ, WRITE));
    g.add(Grant.group(applicationId));
    g.add(Grant.transactionalIdsStartingWith(applicationId + "-"));
    return g;
  }
}
