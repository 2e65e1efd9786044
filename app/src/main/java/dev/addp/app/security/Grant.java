package dev.addp.app.security;

import java.util.List;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/** Operations allowed on one resource (a topic, group or transactional id, by literal name or prefix). */
public record Grant(ResourceType type, PatternType pattern, String name, List<AclOperation> operations) {
  static Grant topic(String name, AclOperation... ops) { return new Grant(ResourceType.TOPIC, PatternType.LITERAL, name, List.of(ops)); }

  static Grant topicsStartingWith(String prefix, AclOperation... ops) {
    return new Grant(ResourceType.TOPIC, PatternType.PREFIXED, prefix, List.of(ops));
  }

  static Grant group(String name) { return new Grant(ResourceType.GROUP, PatternType.LITERAL, name, List.of(AclOperation.READ)); }

  static Grant groupsStartingWith(String prefix) {
    return new Grant(ResourceType.GROUP, PatternType.PREFIXED, prefix, List.of(AclOperation.READ));
  }

  static Grant transactionalIdsStartingWith(String prefix) {
    return new Grant(ResourceType.TRANSACTIONAL_ID, PatternType.PREFIXED, prefix, List.of(AclOperation.WRITE));
  }
}
