package dev.addp.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/** A login written into the registry URL is sent as basic auth and never shown in the client's URL or its errors. */
class RegistryUrlLoginTest {
  @Test
  void theUrlsLoginBecomesTheHeaderAndLeavesTheShownUrl() throws Exception {
    AtomicReference<String> auth = new AtomicReference<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", x -> {
      auth.set(x.getRequestHeaders().getFirst("Authorization"));
      byte[] body = "{\"id\":3}".getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(200, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    server.start();
    try {
      SchemaRegistryClient client = new SchemaRegistryClient("http://alice:s3cret@127.0.0.1:" + server.getAddress().getPort() + "/");
      assertThat(client.baseUrl()).doesNotContain("s3cret").doesNotContain("alice").endsWith(":" + server.getAddress().getPort());
      assertThat(client.register("s-value", Schema.create(Schema.Type.STRING))).isEqualTo(3);
      assertThat(auth.get()).isEqualTo("Basic " + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)));
    } finally {
      server.stop(0);
    }
    SchemaRegistryClient gone = new SchemaRegistryClient("http://alice:s3cret@127.0.0.1:1", null, Duration.ofSeconds(1),
        RegistryRetry.NONE, Duration.ofSeconds(1), System::nanoTime);
    assertThatThrownBy(() -> gone.schemaById(1)).isInstanceOf(RegistryUnavailableException.class)
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret"));
  }
}
