package dev.addp.systemtest.support;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;

/** A configuration with a fresh topic prefix (topics created) so tests never see each other's records. */
public final class TestTopics {
  private TestTopics() { }

  public static AddpConfig isolate(AddpConfig config, String name, int partitions) {
    String prefix = name + "-" + UUID.randomUUID().toString().substring(0, 6) + ".";
    AddpConfig c = config.with(AddpConfig.TOPIC_PREFIX, prefix);
    try (Admin admin = new KafkaClients(c).admin()) {
      Topics.from(c).createAll(admin, partitions, (short) 1);
    }
    return c;
  }
}
