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

  /** The consumer group of a transactional worker role ("recognition", "generation"). */
  public String workerGroup(String role) { return prefix + role + "-workers"; }

  /** Every transactional id of a worker role starts with this; {@link #workerTransactionalId} adds the worker id. */
  public String workerTransactionalIdPrefix(String role) { return prefix + role + "-"; }

  public String workerTransactionalId(String role, String workerId) { return workerTransactionalIdPrefix(role) + workerId; }

  public String recognitionGroup() { return workerGroup("recognition"); }

  /** The group of the workers serving a routed model ({@link Topics#routedModels}) from its own requests topic. */
  public String recognitionGroupFor(String routedModel) { return recognitionGroup() + "." + routedModel; }

  public String recognitionTransactionalIdPrefix() { return workerTransactionalIdPrefix("recognition"); }

  public String generationGroup() { return workerGroup("generation"); }

  public String generationTransactionalIdPrefix() { return workerTransactionalIdPrefix("generation"); }

  /**
   * Where a client's throw-away consumer groups start ({@code <prefix><client>-}): clients that
   * subscribe to follow their answers join a fresh group each run and never commit.
   */
  public String clientGroupPrefix(String client) { return prefix + client + "-"; }

  public String clientGroup(String client) { return clientGroupPrefix(client) + UUID.randomUUID(); }
}
