package dev.addp.platform.kafka;

import dev.addp.platform.config.AddpConfig;
import java.util.Map;

/**
 * How the service's topics are replicated: copies of each partition ({@code replication.factor}),
 * and how many of them must hold a write before an {@code acks=all} producer (every producer of the
 * service) is told it succeeded ({@code min.insync.replicas}). RF 3 with 2 in sync keeps every
 * committed record, and the topic writable, while any one broker is down.
 */
public record TopicReplication(short factor, int minInsyncReplicas) {
  public static final String FACTOR = AddpConfig.TOPIC_REPLICATION;
  public static final String MIN_INSYNC = "topic.min.insync.replicas";

  public TopicReplication {
    if (factor < 1) throw new IllegalArgumentException("setting '" + FACTOR + "' must be at least 1, got " + factor);
    if (minInsyncReplicas < 1 || minInsyncReplicas > factor) {
      throw new IllegalArgumentException("setting '" + MIN_INSYNC + "' must be between 1 and " + FACTOR + " (" + factor + "), got "
          + minInsyncReplicas);
    }
  }

  /** The production layout: {@value #FACTOR} (default 3) and {@value #MIN_INSYNC} (default 2, at most the factor). */
  public static TopicReplication from(AddpConfig config) {
    int factor = config.getInt(FACTOR, 3);
    if (factor < 1 || factor > Short.MAX_VALUE) {
      throw new IllegalArgumentException("setting '" + FACTOR + "' must be at least 1, got " + factor);
    }
    return new TopicReplication((short) factor, config.getInt(MIN_INSYNC, Math.min(2, factor)));
  }

  /** What a cluster of {@code brokers} nodes can hold: 3 copies with 2 in sync from three brokers up, else one copy per broker. */
  public static TopicReplication forCluster(int brokers) {
    int factor = Math.max(1, Math.min(3, brokers));
    return new TopicReplication((short) factor, factor >= 3 ? 2 : 1);
  }

  /** The topic-level setting that goes with every created topic. */
  Map<String, String> topicConfigs() { return Map.of("min.insync.replicas", String.valueOf(minInsyncReplicas)); }

  @Override
  public String toString() { return "replication factor " + factor + ", min.insync.replicas " + minInsyncReplicas; }
}
