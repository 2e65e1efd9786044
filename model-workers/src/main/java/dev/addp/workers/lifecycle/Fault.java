package dev.addp.workers.lifecycle;

import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.registry.SchemaRegistryException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * What a failure means for a worker, after the Kafka clients' own exactly-once example
 * ({@code kafka.examples.ExactlyOnceMessageProcessor}): some errors no retry can cure, the others
 * are cured by aborting the transaction and reading again from the last commit.
 */
public enum Fault {
  /**
   * Authorization, authentication, unsupported version, fencing, serialization: stop the role. An
   * out-of-order sequence is not among them: it ends only the producer, which the worker's
   * {@link dev.addp.platform.kafka.TransactionalOutput} replaces before the input is read again.
   */
  FATAL,
  /**
   * Any other Kafka error: abort, rewind to the last commit, retry a bounded number of times. An old
   * producer epoch after a transaction coordinator moved (a broker died) is one of these: the clients
   * abort and go on (KIP-588); only ProducerFencedException means another instance took over.
   */
  RETRIABLE,
  /** The schema registry cannot be reached: pause and retry from the last commit, for as long as it takes. */
  REGISTRY_UNAVAILABLE;

  /** Classifies by the first cause in the chain that says something (Kafka often wraps the real error). */
  public static Fault of(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (isFatal(t)) return FATAL;
      if (t instanceof RegistryUnavailableException) return REGISTRY_UNAVAILABLE;
      if (t instanceof SchemaRegistryException) return FATAL; // the registry answered no (auth, invalid or incompatible schema)
    }
    for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KafkaException) return RETRIABLE;
    }
    return FATAL; // a bug or a broken model: retrying would repeat it
  }

  private static boolean isFatal(Throwable t) {
    return t instanceof AuthorizationException || t instanceof AuthenticationException
        || t instanceof UnsupportedVersionException || t instanceof ProducerFencedException
        || t instanceof FencedInstanceIdException || t instanceof SerializationException;
  }
}
