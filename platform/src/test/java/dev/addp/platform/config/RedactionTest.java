package dev.addp.platform.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** One rule for secrets: secret keys hidden whole, URL passwords hidden inside any value, child settings in a 0600 file. */
class RedactionTest {
  @Test
  void secretKeysAreHidden() {
    for (String key : new String[] {"kafka.ssl.keystore.key", "kafka.ssl.key.password", "kafka.ssl.keystore.password",
        "kafka.sasl.jaas.config", "registry.basic.auth.user.info", "some.private.key.passphrase", "console.operator.token",
        "oauth.client.secret", "aws.credentials"}) {
      assertThat(Redaction.isSecret(key)).as(key).isTrue();
      assertThat(Redaction.shown(key, "hunter2")).as(key).isEqualTo("****");
    }
    for (String key : new String[] {"bootstrap.servers", "kafka.ssl.keystore.type", "kafka.ssl.truststore.location", "topic.prefix"}) {
      assertThat(Redaction.isSecret(key)).as(key).isFalse();
    }
  }

  @Test
  void passwordsInsideUrlsAreHiddenWhereverTheyAppear() {
    assertThat(Redaction.shown("registry.url", "https://alice:s3cret@registry:8081/apis/ccompat/v7"))
        .isEqualTo("https://alice:****@registry:8081/apis/ccompat/v7");
    assertThat(Redaction.withoutUrlPasswords("cannot reach http://u:p%40ss@h:1 or sasl_ssl://b:x@k:9093"))
        .isEqualTo("cannot reach http://u:****@h:1 or sasl_ssl://b:****@k:9093").doesNotContain("p%40ss");
    assertThat(Redaction.shown("registry.url", "http://registry:8081")).isEqualTo("http://registry:8081");
    assertThat(Redaction.shown("user.email", "a@b.example")).isEqualTo("a@b.example");
  }

  @Test
  void aPrintedConfigurationShowsNoSecret() {
    AddpConfig c = AddpConfig.of(Map.of("kafka.ssl.keystore.key", "-----BEGIN PRIVATE KEY-----abc", "kafka.sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" password=\"pw\";",
        "registry.url", "http://u:pw@registry:8081", "bootstrap.servers", "k:9092"));
    assertThat(c.toString()).doesNotContain("BEGIN PRIVATE KEY").doesNotContain("pw").contains("k:9092").contains("http://u:****@registry:8081");
  }

  @Test
  void settingsForAChildProcessGoToAFileOnlyItsOwnerReads() throws Exception {
    AddpConfig c = AddpConfig.of(Map.of("kafka.sasl.jaas.config", "secret-login", "bootstrap.servers", "k:9092"));
    Path file = c.writePrivateFile("redaction-test-");
    try {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
      Properties p = new Properties();
      try (var r = Files.newBufferedReader(file)) {
        p.load(r);
      }
      assertThat(AddpConfig.load(file, Map.of(), Map.of()).asMap()).isEqualTo(c.asMap());
    } finally {
      Files.delete(file);
    }
  }
}
