package dev.addp.embedded;

import dev.addp.platform.config.AddpConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

/**
 * Secure mode of the embedded broker: every listener speaks SASL over TLS, and the KRaft
 * {@code StandardAuthorizer} allows nothing that no ACL grants, except to the admin principal.
 *
 * <ul>
 *   <li>Client (and inter-broker) listener: SASL_SSL with SCRAM-SHA-512. The admin's SCRAM
 *       credential is written into the metadata when the log directory is formatted (KIP-900), since
 *       nobody could log in to create it otherwise; every other user is created by the admin with
 *       {@code Admin.alterUserScramCredentials} (KIP-554), see {@link #createUser}.</li>
 *   <li>Controller listener: SASL_SSL with PLAIN, because KRaft controllers cannot use SCRAM (its
 *       credentials live in the metadata the controller serves). The only PLAIN user is the admin,
 *       with a separate random password known only to this JVM.</li>
 * </ul>
 * Passwords and the certificate are generated per start-up; the admin is {@code User:admin}, the
 * only super user.
 */
public final class BrokerSecurity implements AutoCloseable {
  public static final String MECHANISM = "SCRAM-SHA-512";
  public static final String ADMIN = "admin";
  static final String LISTENER = "SASL_SSL";
  private static final String SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule";
  private static final String PLAIN_LOGIN = "org.apache.kafka.common.security.plain.PlainLoginModule";

  private final Path dir;
  private final TlsMaterial tls;
  private final String adminPassword;
  private final String controllerPassword;

  private BrokerSecurity(Path dir, TlsMaterial tls, String adminPassword, String controllerPassword) {
    this.dir = dir;
    this.tls = tls;
    this.adminPassword = adminPassword;
    this.controllerPassword = controllerPassword;
  }

  /** New certificate and passwords in a fresh temporary folder (removed by {@link #close()}). */
  public static BrokerSecurity generate() {
    try {
      Path dir = Files.createTempDirectory("addp-tls-");
      return new BrokerSecurity(dir, TlsMaterial.generate(dir), Secrets.random(24), Secrets.random(24));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The broker settings of secure mode, for a combined broker + controller on the given ports. */
  void applyTo(Properties p, int brokerPort, int controllerPort) {
    p.put("listeners", LISTENER + "://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
    p.put("advertised.listeners", LISTENER + "://127.0.0.1:" + brokerPort);
    p.put("inter.broker.listener.name", LISTENER);
    p.put("listener.security.protocol.map", LISTENER + ":SASL_SSL,CONTROLLER:SASL_SSL");
    p.put("ssl.keystore.type", "PKCS12");
    p.put("ssl.keystore.location", tls.keystore().toString());
    p.put("ssl.keystore.password", tls.password());
    p.put("ssl.key.password", tls.password());
    // the broker is a client of its own controller listener
    p.put("ssl.truststore.type", "PEM");
    p.put("ssl.truststore.location", tls.truststorePem().toString());

    String listener = "listener.name." + LISTENER.toLowerCase() + ".";
    p.put(listener + "sasl.enabled.mechanisms", MECHANISM);
    p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
    p.put(listener + MECHANISM.toLowerCase() + ".sasl.jaas.config", jaas(SCRAM_LOGIN, ADMIN, adminPassword));

    p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
    p.put("sasl.mechanism.controller.protocol", "PLAIN");
    p.put("listener.name.controller.plain.sasl.jaas.config", PLAIN_LOGIN + " required username=\"" + ADMIN
        + "\" password=\"" + controllerPassword + "\" user_" + ADMIN + "=\"" + controllerPassword + "\";");

    p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
    p.put("super.users", "User:" + ADMIN);
    p.put("allow.everyone.if.no.acl.found", "false");
  }

  /** For the formatter: the admin's SCRAM credential, in the metadata from the first start. */
  List<String> bootstrapCredentials() { return List.of(MECHANISM + "=[name=" + ADMIN + ",password=" + adminPassword + "]"); }

  /** The {@code kafka.*} settings a client needs to log in as {@code user}. */
  public Map<String, String> clientSettings(String user, String password) {
    Map<String, String> s = new LinkedHashMap<>();
    s.put(AddpConfig.KAFKA_PREFIX + "security.protocol", "SASL_SSL");
    s.put(AddpConfig.KAFKA_PREFIX + "sasl.mechanism", MECHANISM);
    s.put(AddpConfig.KAFKA_PREFIX + "sasl.jaas.config", jaas(SCRAM_LOGIN, user, password));
    s.put(AddpConfig.KAFKA_PREFIX + "ssl.truststore.type", "PEM");
    s.put(AddpConfig.KAFKA_PREFIX + "ssl.truststore.location", tls.truststorePem().toString());
    return s;
  }

  /** {@code config} with its Kafka login replaced by {@code user}'s. */
  public AddpConfig asUser(AddpConfig config, String user, String password) {
    AddpConfig c = config;
    for (Map.Entry<String, String> e : clientSettings(user, password).entrySet()) c = c.with(e.getKey(), e.getValue());
    return c;
  }

  /** The admin's settings: the super user, which every other user and ACL is made by. */
  public Map<String, String> adminSettings() { return clientSettings(ADMIN, adminPassword); }

  /** Creates (or resets) a SCRAM-SHA-512 user, as the admin. */
  public static void createUser(Admin admin, String user, String password) {
    try {
      admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
          new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password))).all().get();
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot create SCRAM user " + user + ": " + e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted creating SCRAM user " + user, e);
    }
  }

  public TlsMaterial tls() { return tls; }

  private static String jaas(String module, String user, String password) {
    return module + " required username=\"" + user + "\" password=\"" + password + "\";";
  }

  @Override
  public void close() { EmbeddedKafka.deleteRecursively(dir); }
}
