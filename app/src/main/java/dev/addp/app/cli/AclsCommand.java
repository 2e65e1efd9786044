package dev.addp.app.cli;

import dev.addp.platform.config.Settings;
import dev.addp.app.security.AccessPlan;
import dev.addp.app.security.AclText;
import dev.addp.app.security.ClientAccess;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.KafkaClients;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AclBinding;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Prints, or creates on the cluster, the least-privilege ACLs of every role and CLI client. */
@Command(name = "acls", mixinStandardHelpOptions = true,
    description = "The ACLs each role and client needs on a secured cluster (topics, groups and transactional ids under topic.prefix). "
        + "Principals: acls.principal.<client> (default User:addp-<client>).")
final class AclsCommand implements Callable<Integer> {
  static final class Action {
    @Option(names = "--print", required = true, description = "print the ACLs") boolean print;
    @Option(names = "--apply", required = true, description = "create them with an Admin client (log in as an admin: kafka.* settings)") boolean apply;
  }

  @ArgGroup(exclusive = true, multiplicity = "1") Action action;

  @Option(names = "--format", description = "table (default) or kafka-acls (kafka-acls.sh command lines)")
  String format = "table";

  @Option(names = "--client", split = ",", description = "only these clients (default: all of ingest, recognition, generation, status, "
      + "connect, submit, generate, cancel, create-topics)")
  List<String> clients = AccessPlan.CLIENTS;

  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  public Integer call() throws Exception {
    AddpConfig config = connection.load();
    List<ClientAccess> plan;
    try {
      plan = AccessPlan.of(config, clients);
    } catch (IllegalArgumentException e) {
      System.err.println("addp acls: " + e.getMessage());
      return 2;
    }
    if (!format.equals("table") && !format.equals("kafka-acls")) {
      System.err.println("addp acls: --format is table or kafka-acls, not '" + format + "'");
      return 2;
    }
    if (action.print) {
      System.out.print(format.equals("table") ? AclText.table(plan)
          : AclText.kafkaAclsScript(plan, config.get(Settings.BOOTSTRAP_SERVERS, "BROKER:9092")));
      return 0;
    }
    List<AclBinding> bindings = plan.stream().flatMap(c -> c.bindings().stream()).toList();
    try (Admin admin = new KafkaClients(config).admin()) {
      admin.createAcls(bindings).all().get();
    } catch (ExecutionException e) {
      System.err.println("addp acls: cannot create the ACLs on " + config.get(Settings.BOOTSTRAP_SERVERS, "?") + ": "
          + e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
      return 1;
    }
    System.err.println("created " + bindings.size() + " ACLs for " + plan.size() + " principals");
    return 0;
  }
}
