package dev.addp.app.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;

/** The plan as people read it (a table) and as kafka-acls.sh applies it (one command per grant). */
public final class AclText {
  private AclText() { }

  public static String table(List<ClientAccess> plan) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"CLIENT", "PRINCIPAL", "RESOURCE", "PATTERN", "NAME", "OPERATIONS"});
    for (ClientAccess c : plan) {
      for (Grant g : c.grants()) {
        rows.add(new String[] {c.client(), c.principal(), g.type().name(), g.pattern().name(), g.name(),
            g.operations().stream().map(AclOperation::name).collect(Collectors.joining(","))});
      }
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) for (int i = 0; i < r.length; i++) width[i] = Math.max(width[i], r[i].length());
    StringBuilder out = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) line.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 2) + "s", r[i]));
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  /** Shell lines for Kafka's own tool; {@code admin.properties} holds the admin's login. */
  public static String kafkaAclsScript(List<ClientAccess> plan, String bootstrapServers) {
    StringBuilder out = new StringBuilder("# apply with Kafka's kafka-acls.sh; admin.properties holds an admin's login (security.protocol, sasl.*, ssl.*)\n");
    for (ClientAccess c : plan) {
      out.append("# ").append(c.client()).append('\n');
      for (Grant g : c.grants()) {
        out.append("kafka-acls.sh --bootstrap-server ").append(bootstrapServers).append(" --command-config admin.properties --add")
            .append(" --allow-principal ").append(c.principal());
        for (AclOperation op : g.operations()) out.append(" --operation ").append(camel(op.name()));
        out.append(switch (g.type()) {
          case TOPIC -> " --topic ";
          case GROUP -> " --group ";
          case TRANSACTIONAL_ID -> " --transactional-id ";
          default -> throw new IllegalStateException("no kafka-acls.sh option for " + g.type());
        }).append(g.name());
        if (g.pattern() == PatternType.PREFIXED) out.append(" --resource-pattern-type prefixed");
        out.append('\n');
      }
    }
    return out.toString();
  }

  /** READ → Read, DESCRIBE_CONFIGS → DescribeConfigs, as kafka-acls.sh spells operations. */
  private static String camel(String name) {
    StringBuilder b = new StringBuilder();
    for (String part : name.split("_")) b.append(part.charAt(0)).append(part.substring(1).toLowerCase(Locale.ROOT));
    return b.toString();
  }
}
