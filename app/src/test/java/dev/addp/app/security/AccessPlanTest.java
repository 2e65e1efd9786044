package dev.addp.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.platform.config.AddpConfig;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The ACL plan follows the configured prefix and principals, and prints as a table and as kafka-acls.sh lines. */
class AccessPlanTest {
  private final AddpConfig config = AddpConfig.of(Map.of(AddpConfig.TOPIC_PREFIX, "prod.", "acls.principal.recognition", "User:gpu-pool"));

  @Test
  void everyNameCarriesThePrefixAndOnlyGroupsTransactionalIdsAndTopicCreationArePrefixed() {
    for (ClientAccess c : AccessPlan.of(config)) {
      for (Grant g : c.grants()) {
        assertThat(g.name()).as(c.client()).startsWith("prod.");
        if (g.pattern() == PatternType.PREFIXED && g.type() == ResourceType.TOPIC) {
          assertThat(g.operations()).as("prefixed topics are only for creating topics and Streams' internal ones").contains(AclOperation.CREATE);
        }
      }
    }
  }

  @Test
  void recognitionReadsRequestsWritesResultsAndCommitsInTransactions() {
    ClientAccess rec = AccessPlan.of(config, List.of("recognition")).get(0);
    assertThat(rec.principal()).isEqualTo("User:gpu-pool");
    assertThat(rec.grants()).containsExactlyInAnyOrder(
        Grant.topic("prod.recognition.requests", AclOperation.READ),
        Grant.topic("prod.recognition.results", AclOperation.WRITE),
        Grant.topic("prod.deadletter", AclOperation.WRITE),
        Grant.group("prod.recognition-workers"),
        Grant.transactionalIdsStartingWith("prod.recognition-"));
    assertThat(rec.bindings()).hasSize(5);
  }

  @Test
  void onlyTheSubmitClientAndTheStatusRoleMayReadTheResults() {
    List<String> readers = AccessPlan.of(config).stream()
        .filter(c -> c.grants().contains(Grant.topic("prod.recognition.results", AclOperation.READ))).map(ClientAccess::client).toList();
    assertThat(readers).containsExactlyInAnyOrder("submit", "status", "annotate"); // status: the dataset progress and the console
  }

  @Test
  void connectReadsWhatItsConfiguredSinksReadAsTheirOwnPrefixedGroups() {
    assertThat(AccessPlan.of(config, List.of("connect")).get(0).grants())
        .containsExactly(Grant.topic("prod.images.raw", AclOperation.WRITE));
    AddpConfig sinks = config.with("connect.coco.dir", "/tmp/coco").with("connect.images.dir", "/tmp/images");
    assertThat(AccessPlan.of(sinks, List.of("connect")).get(0).grants()).containsExactlyInAnyOrder(
        Grant.topic("prod.images.raw", AclOperation.WRITE),
        Grant.topic("prod.recognition.results", AclOperation.READ),
        Grant.groupsStartingWith("prod.coco-"),              // coco-export and annotate's coco-<dataset>
        Grant.topic("prod.generation.results", AclOperation.READ),
        Grant.group("prod.generated-images-sink"),
        Grant.topic("prod.deadletter", AclOperation.WRITE));   // the records the sinks refuse
  }

  @Test
  void annotateWritesTheManifestAndImagesAndFollowsItsDataset() {
    assertThat(AccessPlan.of(config, List.of("annotate")).get(0).grants()).containsExactlyInAnyOrder(
        Grant.topic("prod.datasets", AclOperation.WRITE),
        Grant.topic("prod.images.raw", AclOperation.WRITE),
        Grant.topic("prod.recognition.results", AclOperation.READ),
        Grant.topic("prod.deadletter", AclOperation.READ),
        Grant.topic("prod.dataset.progress", AclOperation.READ),
        Grant.groupsStartingWith("prod.annotate-"));
  }

  @Test
  void printsATableAndKafkaAclsLines() {
    List<ClientAccess> plan = AccessPlan.of(config, List.of("ingest", "cancel"));
    String table = AclText.table(plan);
    assertThat(table.lines().findFirst().orElseThrow()).matches("CLIENT\\s+PRINCIPAL\\s+RESOURCE\\s+PATTERN\\s+NAME\\s+OPERATIONS");
    assertThat(table).containsPattern("ingest\\s+User:addp-ingest\\s+TOPIC\\s+LITERAL\\s+prod\\.images\\.raw\\s+READ");
    assertThat(table).containsPattern("ingest\\s+User:addp-ingest\\s+TRANSACTIONAL_ID\\s+PREFIXED\\s+prod\\.ingest-\\s+WRITE");
    assertThat(table).containsPattern("cancel\\s+User:addp-cancel\\s+TOPIC\\s+LITERAL\\s+prod\\.generation\\.control\\s+WRITE");
    String script = AclText.kafkaAclsScript(plan, "b:9093");
    assertThat(script).contains("kafka-acls.sh --bootstrap-server b:9093 --command-config admin.properties --add "
        + "--allow-principal User:addp-ingest --operation Read --group prod.ingest\n");
    assertThat(script).contains("--allow-principal User:addp-ingest --operation Write --transactional-id prod.ingest- --resource-pattern-type prefixed\n");
  }

  @Test
  void anUnknownClientIsNamed() {
    assertThatThrownBy(() -> AccessPlan.of(config, List.of("annotator"))).hasMessageContaining("unknown client 'annotator'");
  }
}
