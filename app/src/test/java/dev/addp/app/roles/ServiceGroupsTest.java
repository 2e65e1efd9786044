package dev.addp.app.roles;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.ClientIds;
import dev.addp.platform.kafka.Topics;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceGroupsTest {
  @Test
  void routedModelsHaveTheirOwnWorkerGroupsWatched() {
    AddpConfig config = AddpConfig.of(Map.of(Topics.ROUTED_MODELS, "addp-fmnist-dense,other"));
    ClientIds ids = new ClientIds(Topics.from(config).prefix());
    List<String> groups = ServiceGroups.all(config);
    assertTrue(groups.contains(ids.recognitionGroup()), groups.toString());
    assertTrue(groups.contains(ids.recognitionGroupFor("addp-fmnist-dense")), groups.toString());
    assertTrue(groups.contains(ids.recognitionGroupFor("other")), groups.toString());
    assertEquals(6, groups.size(), groups.toString());
  }

  @Test
  void withoutRoutedModelsTheFourServiceGroups() {
    assertEquals(4, ServiceGroups.all(AddpConfig.of(Map.of())).size());
  }
}
