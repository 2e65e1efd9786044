package dev.addp.app.security;

import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.config.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * The SCRAM-SHA-512 users of the clients whose {@code users.password.<client>} is set: one per
 * principal ({@link AccessPlan#principal}), so clients mapped to one principal share its user.
 * The passwords never appear in {@link #toString()} or in any message.
 *
 * @param users user name → password
 * @param withoutPassword the clients given no password, whose users are left as they are
 */
public record ScramUsers(Map<String, String> users, List<String> withoutPassword) {
  /** Twice the broker's minimum for SHA-512 (4096). */
  public static final int ITERATIONS = 8192;
  private static final String USER = "User:";

  public static ScramUsers of(AddpConfig config, List<String> clients) {
    Map<String, String> users = new LinkedHashMap<>();
    List<String> without = new ArrayList<>();
    for (String client : clients) {
      if (!AccessPlan.CLIENTS.contains(client)) {
        throw new IllegalArgumentException("unknown client '" + client + "'; known: " + String.join(", ", AccessPlan.CLIENTS));
      }
      String password = config.get(Settings.USER_PASSWORD.key() + client, "");
      if (password.isBlank()) {
        without.add(client);
        continue;
      }
      String principal = AccessPlan.principal(config, client);
      if (!principal.startsWith(USER) || principal.length() == USER.length()) {
        throw new IllegalArgumentException("the principal of " + client + " is '" + principal + "': a SCRAM user is User:<name>");
      }
      String name = principal.substring(USER.length());
      String before = users.putIfAbsent(name, password);
      if (before != null && !before.equals(password)) {
        throw new IllegalArgumentException("the clients sharing " + principal + " are given different users.password.<client>");
      }
    }
    return new ScramUsers(Map.copyOf(users), List.copyOf(without));
  }

  /** Creates each user, or resets its password when it exists. */
  public List<UserScramCredentialAlteration> upsertions() {
    return users.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .<UserScramCredentialAlteration>map(e -> new UserScramCredentialUpsertion(e.getKey(), new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, ITERATIONS), e.getValue()))
        .toList();
  }

  public List<String> names() { return users.keySet().stream().sorted().toList(); }

  @Override
  public String toString() { return "ScramUsers[users=" + names() + ", withoutPassword=" + withoutPassword + "]"; }
}
