package dev.addp.app.folder;

import dev.addp.platform.config.Settings;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.KafkaClients;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;

/** Checks, within seconds, that the configured broker and registry answer, so a client never waits in silence. */
public final class ClusterCheck {
  /** How long to wait for an answer before saying the broker or registry cannot be reached. */
  public static final String TIMEOUT_MS = Settings.CLIENT_CONNECT_TIMEOUT_MS.key();

  private ClusterCheck() { }

  public static void brokerAndRegistry(AddpConfig config) {
    Duration wait = Duration.ofMillis(config.getLong(Settings.CLIENT_CONNECT_TIMEOUT_MS));
    broker(config, wait);
    registry(config, wait);
  }

  static void broker(AddpConfig config, Duration wait) {
    String servers = config.require(Settings.BOOTSTRAP_SERVERS);
    Map<String, Object> p = new KafkaClients(config).common();
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) wait.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) wait.toMillis());
    p.put(org.apache.kafka.clients.CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, (int) wait.toMillis());
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) wait.toMillis())).nodes()
          .get(wait.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new CliException("cannot reach Kafka at " + servers + " within " + wait.toSeconds() + " s ("
          + cause.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while connecting to Kafka at " + servers);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new CliException("cannot connect to Kafka at " + servers + ": " + e.getMessage());
    }
  }

  static void registry(AddpConfig config, Duration wait) {
    String url = config.require(Settings.REGISTRY_URL);
    try {
      HttpResponse<Void> r = HttpClient.newBuilder().connectTimeout(wait).build().send(
          HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/subjects")).timeout(wait).GET().build(),
          HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() / 100 != 2) {
        throw new CliException("the schema registry at " + url + " answers HTTP " + r.statusCode() + " to GET /subjects: is the URL right?");
      }
    } catch (java.io.IOException | IllegalArgumentException e) {
      throw new CliException("cannot reach the schema registry at " + url + " (" + e.getClass().getSimpleName()
          + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while connecting to the schema registry at " + url);
    }
  }
}
