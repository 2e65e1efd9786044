package dev.addp.app.cli;

import dev.addp.app.security.AccessPlan;
import dev.addp.app.security.ScramUsers;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.config.Settings;
import dev.addp.platform.kafka.KafkaClients;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Creates the SCRAM-SHA-512 users of the roles and CLI clients on a secured cluster, with the
 * passwords of the configuration (a file or ADDP_USERS_PASSWORD_* variables, never the command
 * line), so that an init job needs no password in any process's arguments.
 */
@Command(name = "users", mixinStandardHelpOptions = true,
    description = "The SCRAM-SHA-512 user of every client whose users.password.<client> is set (principal: acls.principal.<client>, "
        + "default User:addp-<client>). --apply logs in as an admin (kafka.* settings); an existing user gets the new password.")
final class UsersCommand implements Callable<Integer> {
  static final class Action {
    @Option(names = "--print", required = true, description = "print the users that would be made (never their passwords)") boolean print;
    @Option(names = "--apply", required = true, description = "create them with an Admin client") boolean apply;
  }

  @ArgGroup(exclusive = true, multiplicity = "1") Action action;

  @Option(names = "--client", split = ",", description = "only these clients (default: all of ingest, recognition, generation, status, "
      + "connect, submit, generate, annotate, cancel, create-topics)")
  List<String> clients = AccessPlan.CLIENTS;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  public Integer call() {
    AddpConfig config = connection.load();
    ScramUsers users;
    try {
      users = ScramUsers.of(config, clients);
    } catch (IllegalArgumentException e) {
      System.err.println("addp users: " + e.getMessage());
      return 2;
    }
    if (users.users().isEmpty()) {
      System.err.println("addp users: no users.password.<client> is set for " + String.join(", ", clients));
      return 2;
    }
    String without = users.withoutPassword().isEmpty() ? "" : "; no password set for " + String.join(", ", users.withoutPassword());
    if (action.print) {
      System.out.println("SCRAM-SHA-512 users: " + String.join(", ", users.names()) + without);
      return 0;
    }
    try (Admin admin = new KafkaClients(config).admin()) {
      admin.alterUserScramCredentials(users.upsertions()).all().get();
    } catch (ExecutionException e) {
      System.err.println("addp users: cannot create the users on " + config.get(Settings.BOOTSTRAP_SERVERS, "?") + ": "
          + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      System.err.println("addp users: interrupted");
      return 1;
    }
    System.err.println("created " + users.names().size() + " SCRAM-SHA-512 users: " + String.join(", ", users.names()) + without);
    return 0;
  }
}
