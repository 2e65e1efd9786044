package dev.addp.app.security;

import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.ResourcePattern;

/** What one role or CLI client may do, and the principal it logs in as. */
public record ClientAccess(String client, String principal, List<Grant> grants) {
  /** The ACLs for the broker: one per (resource, operation), allowed from any host. */
  public List<AclBinding> bindings() {
    return grants.stream().flatMap(g -> g.operations().stream().map(op -> new AclBinding(
        new ResourcePattern(g.type(), g.name(), g.pattern()),
        new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)))).toList();
  }
}
