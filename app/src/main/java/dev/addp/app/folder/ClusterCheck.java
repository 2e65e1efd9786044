package dev.addp.app.folder;

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
  static final Duration WAIT = Duration.ofSeconds(5);

  private ClusterCheck() { }

  public static void brokerAndRegistry(AddpConfig config) {
    broker(config);
    registry(config);
  }

  static void broker(AddpConfig config) {
    String servers = config.require(AddpConfig.BOOTSTRAP_SERVERS);
    Map<String, Object> p = new KafkaClients(config).common();
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis());
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) WAIT.toMillis());
    p.put(org.apache.kafka.clients.CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, (int) WAIT.toMillis());
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) WAIT.toMillis())).nodes()
          .get(WAIT.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new CliException("cannot reach Kafka at " + servers + " within " + WAIT.toSeconds() + " s ("
          + cause.getClass().getSimpleName() + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while connecting to Kafka at " + servers);
    } catch (org.apache.kafka.common.KafkaException e) {
      throw new CliException("cannot connect to Kafka at " + servers + ": " + e.getMessage());
    }
  }

  static void registry(AddpConfig config) {
    String url = config.require(AddpConfig.REGISTRY_URL);
    try {
      HttpResponse<Void> r = HttpClient.newBuilder().connectTimeout(WAIT).build().send(
          HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/subjects")).timeout(WAIT).GET().build(),
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
