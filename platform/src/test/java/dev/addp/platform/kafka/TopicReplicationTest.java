package dev.addp.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.platform.config.AddpConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicReplicationTest {
  @Test
  void productionDefaultsAreThreeCopiesTwoInSync() {
    TopicReplication r = TopicReplication.from(AddpConfig.of(Map.of()));
    assertThat(r.factor()).isEqualTo((short) 3);
    assertThat(r.minInsyncReplicas()).isEqualTo(2);
    assertThat(r.topicConfigs()).containsEntry("min.insync.replicas", "2");
  }

  @Test
  void settingsAreHonouredAndTheMinimumFollowsASmallFactor() {
    assertThat(TopicReplication.from(AddpConfig.of(Map.of("topic.replication.factor", "5", "topic.min.insync.replicas", "3"))))
        .isEqualTo(new TopicReplication((short) 5, 3));
    assertThat(TopicReplication.from(AddpConfig.of(Map.of("topic.replication.factor", "1")))).isEqualTo(new TopicReplication((short) 1, 1));
  }

  @Test
  void impossibleSettingsNameTheKey() {
    assertThatThrownBy(() -> TopicReplication.from(AddpConfig.of(Map.of("topic.replication.factor", "3", "topic.min.insync.replicas", "4"))))
        .hasMessageContaining("topic.min.insync.replicas").hasMessageContaining("between 1 and");
    assertThatThrownBy(() -> TopicReplication.from(AddpConfig.of(Map.of("topic.replication.factor", "0"))))
        .hasMessageContaining("topic.replication.factor");
  }

  @Test
  void aClusterGetsWhatItsBrokersCanHold() {
    assertThat(TopicReplication.forCluster(1)).isEqualTo(new TopicReplication((short) 1, 1));
    assertThat(TopicReplication.forCluster(2)).isEqualTo(new TopicReplication((short) 2, 1));
    assertThat(TopicReplication.forCluster(3)).isEqualTo(new TopicReplication((short) 3, 2));
    assertThat(TopicReplication.forCluster(7)).isEqualTo(new TopicReplication((short) 3, 2));
  }
}
