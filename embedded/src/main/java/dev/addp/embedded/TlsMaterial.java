package dev.addp.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed loopback certificate made at start-up: a PKCS12 keystore for the broker and the
 * certificate alone as a PEM truststore for clients ({@code ssl.truststore.type=PEM}).
 *
 * <p>Made with the JDK's own {@code keytool} (java.home/bin), run as a process: it ships with every
 * JDK, so no certificate library (BouncyCastle would add two jars of about 9 MB) is needed on the
 * classpath of the workers for a feature only the embedded broker uses. The key is EC P-256, which
 * keytool generates in milliseconds; the certificate names 127.0.0.1 and localhost as subject
 * alternative names, so clients keep hostname verification on.
 */
public final class TlsMaterial {
  private static final String ALIAS = "addp-embedded";

  private final Path keystore;
  private final Path truststorePem;
  private final String password;

  private TlsMaterial(Path keystore, Path truststorePem, String password) {
    this.keystore = keystore;
    this.truststorePem = truststorePem;
    this.password = password;
  }

  /** Generates a keystore and its PEM truststore in {@code dir}. */
  public static TlsMaterial generate(Path dir) {
    String password = Secrets.random(24);
    Path keystore = dir.resolve("broker.p12");
    Path pem = dir.resolve("truststore.pem");
    Path keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool");
    List<String> cmd = List.of(keytool.toString(), "-genkeypair", "-alias", ALIAS, "-keyalg", "EC", "-groupname", "secp256r1",
        "-sigalg", "SHA256withECDSA", "-dname", "CN=addp embedded broker", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
        "-validity", "30", "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", password, "-keypass", password);
    try {
      Path log = dir.resolve("keytool.log");
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("keytool did not finish within 60 s");
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException("keytool failed (exit " + p.exitValue() + "): " + Files.readString(log).strip());
      }
      Files.writeString(pem, pemOf(keystore, password), StandardCharsets.US_ASCII);
      return new TlsMaterial(keystore, pem, password);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot generate the broker's TLS keystore with " + keytool, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while generating the broker's TLS keystore", e);
    }
  }

  private static String pemOf(Path keystore, String password) throws IOException {
    try (InputStream in = Files.newInputStream(keystore)) {
      KeyStore ks = KeyStore.getInstance("PKCS12");
      ks.load(in, password.toCharArray());
      Certificate cert = ks.getCertificate(ALIAS);
      return "-----BEGIN CERTIFICATE-----\n"
          + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(cert.getEncoded())
          + "\n-----END CERTIFICATE-----\n";
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the generated keystore " + keystore + ": " + e.getMessage(), e);
    }
  }

  public Path keystore() { return keystore; }

  /** The broker's certificate, for clients: {@code ssl.truststore.type=PEM}, {@code ssl.truststore.location=<this>}. */
  public Path truststorePem() { return truststorePem; }

  public String password() { return password; }
}
