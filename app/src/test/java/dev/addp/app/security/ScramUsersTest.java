package dev.addp.app.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.platform.config.AddpConfig;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.junit.jupiter.api.Test;

/** One SCRAM user per principal of the clients given a password; passwords never printed. */
class ScramUsersTest {
  @Test
  void eachClientWithAPasswordGetsItsPrincipalsUserTheOthersAreListed() {
    AddpConfig config = AddpConfig.of(Map.of("users.password.ingest", "pw-one-7f3", "users.password.recognition", "pw-two-9c1",
        "acls.principal.recognition", "User:gpu-pool"));
    ScramUsers users = ScramUsers.of(config, List.of("ingest", "recognition", "submit"));
    assertThat(users.names()).containsExactly("addp-ingest", "gpu-pool");
    assertThat(users.withoutPassword()).containsExactly("submit");
    List<UserScramCredentialUpsertion> up = users.upsertions().stream().map(UserScramCredentialUpsertion.class::cast).toList();
    assertThat(up).extracting(UserScramCredentialUpsertion::user).containsExactly("addp-ingest", "gpu-pool");
    assertThat(up).allSatisfy(u -> {
      assertThat(u.credentialInfo().mechanism()).isEqualTo(ScramMechanism.SCRAM_SHA_512);
      assertThat(u.credentialInfo().iterations()).isEqualTo(ScramUsers.ITERATIONS);
    });
    assertThat(users.toString()).doesNotContain("pw-one-7f3", "pw-two-9c1");
  }

  @Test
  void clientsSharingAPrincipalShareItsUserAndMustAgreeOnThePassword() {
    AddpConfig shared = AddpConfig.of(Map.of("acls.principal.create-topics", "User:addp-ingest",
        "users.password.ingest", "same", "users.password.create-topics", "same"));
    assertThat(ScramUsers.of(shared, List.of("ingest", "create-topics")).names()).containsExactly("addp-ingest");
    // one of them without a password takes the other's user as it is
    AddpConfig one = AddpConfig.of(Map.of("acls.principal.create-topics", "User:addp-ingest", "users.password.ingest", "same"));
    assertThat(ScramUsers.of(one, List.of("ingest", "create-topics")).withoutPassword()).containsExactly("create-topics");
    assertThatThrownBy(() -> ScramUsers.of(shared.with("users.password.create-topics", "other"), List.of("ingest", "create-topics")))
        .hasMessageContaining("User:addp-ingest").hasMessageNotContaining("same").hasMessageNotContaining("other");
  }

  @Test
  void unknownClientsAndPrincipalsThatAreNotUsersAreRefused() {
    assertThatThrownBy(() -> ScramUsers.of(AddpConfig.of(Map.of()), List.of("nobody"))).hasMessageContaining("unknown client 'nobody'");
    AddpConfig group = AddpConfig.of(Map.of("users.password.cancel", "x", "acls.principal.cancel", "Group:ops"));
    assertThatThrownBy(() -> ScramUsers.of(group, List.of("cancel"))).hasMessageContaining("Group:ops");
  }
}
