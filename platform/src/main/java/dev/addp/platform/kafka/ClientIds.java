package dev.addp.platform.kafka;

import dev.addp.platform.config.AddpConfig;
import java.util.UUID;

/**
 * Consumer group and transactional ids of the workers and clients. Every id starts with the
 * topic prefix, so separate deployments on one cluster never meet, and so that the ACLs of a
 * secured cluster can grant each of them (see {@code addp acls}); the ACLs are derived from these
 * methods, so a role and its ACLs cannot disagree about a name.
 */
public record ClientIds(String prefix) {
  public static ClientIds from(AddpConfig config) { return new ClientIds(Topics.from(config).prefix()); }

  public String recognitionGroup() { return prefix + "recognition-workers"; }

  /** The group of the workers serving a routed model ({@link Topics#routedModels}) from its own requests topic. */
  public String recognitionGroupFor(String routedModel) { return recognitionGroup() + "." + routedModel; }

  /** Every recognition worker's transactional id starts with this; {@link #recognitionTransactionalId} adds the worker id. */
  public String recognitionTransactionalIdPrefix() { return prefix + "recognition-"; }

  public String recognitionTransactionalId(String workerId) { return recognitionTransactionalIdPrefix() + workerId; }

  public String generationGroup() { return prefix + "generation-workers"; }

  public String generationTransactionalIdPrefix() { return prefix + "generation-"; }

  public String generationTransactionalId(String workerId) { return generationTransactionalIdPrefix() + workerId; }

  /**
   * Where a client's throw-away consumer groups start ({@code <prefix><client>-}): clients that
   * subscribe to follow their answers join a fresh group each run and never commit.
   */
  public String clientGroupPrefix(String client) { return prefix + client + "-"; }

  public String clientGroup(String client) { return clientGroupPrefix(client) + UUID.randomUUID(); }
}
