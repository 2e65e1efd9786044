package dev.addp.schemas.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SchemaRegistryClientTest {
  private static final Schema SCHEMA = SchemaBuilder.record("Thing").namespace("t").fields().requiredString("name").endRecord();
  private static final String CONFLICT = "{\"error_code\":409,\"message\":\"Artifact with id 'x-value' already exists\"}";
  private static final String UNAVAILABLE = "{\"message\":\"try later\"}";
  private static final RegistryRetry FAST = new RegistryRetry(3, Duration.ofMillis(1), Duration.ofMillis(2));

  private final FakeConfluentRegistry registry;
  private final AtomicLong clock = new AtomicLong();

  SchemaRegistryClientTest() throws Exception { registry = new FakeConfluentRegistry(); }

  @AfterEach
  void stop() { registry.close(); }

  private SchemaRegistryClient client() {
    return new SchemaRegistryClient(registry.url(), null, Duration.ofSeconds(5), FAST, Duration.ofSeconds(5), clock::get);
  }

  @Test
  void aConflictBecauseSomeoneElseRegisteredFirstIsAnsweredWithTheirId() {
    registry.onRegister(409, CONFLICT).onLookup(200, "{\"subject\":\"x-value\",\"version\":1,\"id\":42,\"schema\":\"{}\"}");
    assertThat(client().register("x-value", SCHEMA)).isEqualTo(42);
    assertThat(registry.calls()).containsExactly("POST /subjects/x-value/versions", "POST /subjects/x-value");
  }

  @Test
  void manyClientsRegisteringAtTheSameInstantAllGetTheOneId() throws Exception {
    registry.registerDefault(409, CONFLICT);
    registry.onRegister(200, "{\"id\":7}"); // the first one in wins; every later one hears 409
    registry.lookupDefault(200, "{\"subject\":\"x-value\",\"version\":1,\"id\":7,\"schema\":\"{}\"}");
    int n = 8;
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Integer>> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SchemaRegistryClient c = client();
      ids.add(pool.submit(() -> {
        start.await();
        return c.register("x-value", SCHEMA);
      }));
    }
    start.countDown();
    for (Future<Integer> id : ids) assertThat(id.get()).isEqualTo(7);
    pool.shutdown();
    assertThat(registry.count("POST /subjects/x-value/versions")).isEqualTo(n);
    assertThat(registry.count("POST /subjects/x-value")).isEqualTo(n + (n - 1)); // n registrations, n-1 lookups after a 409
  }

  @Test
  void aConflictThatNoLookupResolvesIsAnIncompatibleSchema() {
    registry.registerDefault(409, "{\"error_code\":409,\"message\":\"incompatible\"}");
    registry.lookupDefault(404, "{\"error_code\":40403,\"message\":\"Schema not found\"}");
    assertThatThrownBy(() -> client().register("x-value", SCHEMA)).isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("HTTP 409").hasMessageContaining("incompatible");
    assertThat(registry.count("POST /subjects/x-value/versions")).isEqualTo(3);
  }

  @Test
  void serverErrorsAreRetriedWithBoundedBackoff() {
    registry.onRegister(503, UNAVAILABLE).onRegister(500, UNAVAILABLE).onRegister(200, "{\"id\":9}");
    assertThat(client().register("x-value", SCHEMA)).isEqualTo(9);
    assertThat(registry.count("POST /subjects/x-value/versions")).isEqualTo(3);
  }

  @Test
  void aRegistryThatStaysDownIsReportedUnavailableAfterTheLastAttempt() {
    registry.registerDefault(503, UNAVAILABLE);
    assertThatThrownBy(() -> client().register("x-value", SCHEMA)).isInstanceOf(RegistryUnavailableException.class)
        .hasMessageContaining("HTTP 503");
    assertThat(registry.count("POST /subjects/x-value/versions")).isEqualTo(FAST.attempts());
  }

  @Test
  void aClientErrorIsNotRetried() {
    registry.registerDefault(422, "{\"error_code\":42201,\"message\":\"Invalid schema\"}");
    assertThatThrownBy(() -> client().register("x-value", SCHEMA)).isInstanceOf(SchemaRegistryException.class)
        .isNotInstanceOf(RegistryUnavailableException.class).hasMessageContaining("Invalid schema");
    assertThat(registry.count("POST")).isEqualTo(1);
  }

  @Test
  void anIdIsRegisteredOncePerSubjectAndSchema() {
    SchemaRegistryClient c = client();
    c.register("x-value", SCHEMA);
    c.register("x-value", SCHEMA);
    c.register("y-value", SCHEMA);
    Schema other = SchemaBuilder.record("Thing").namespace("t").fields().requiredString("name").optionalInt("n").endRecord();
    c.register("x-value", other);
    assertThat(registry.count("POST /subjects/x-value/versions")).isEqualTo(2);
    assertThat(registry.count("POST /subjects/y-value/versions")).isEqualTo(1);
  }

  @Test
  void anUnknownIdIsBelievedOnlyUntilItsAnswerExpires() {
    SchemaRegistryClient c = client();
    assertThatThrownBy(() -> c.schemaById(5)).isInstanceOf(UnknownSchemaIdException.class);
    assertThatThrownBy(() -> c.schemaById(5)).isInstanceOf(UnknownSchemaIdException.class).hasMessageContaining("cached");
    assertThat(registry.count("GET /schemas/ids/5")).isEqualTo(1); // hostile ids cost one call per TTL, not one per record

    registry.byIdDefault(200, "{\"schema\":" + com.fasterxml.jackson.databind.node.TextNode.valueOf(SCHEMA.toString()) + "}");
    clock.addAndGet(Duration.ofSeconds(5).toNanos()); // the producer registered it meanwhile
    assertThat(c.schemaById(5)).isEqualTo(SCHEMA);
    assertThat(registry.count("GET /schemas/ids/5")).isEqualTo(2);
    c.schemaById(5);
    assertThat(registry.count("GET /schemas/ids/5")).isEqualTo(2); // a known id is cached for good
  }

  @Test
  void anUnreachableRegistryIsUnavailableNotUnknown() {
    registry.close();
    SchemaRegistryClient c = client();
    assertThatThrownBy(() -> c.schemaById(5)).isInstanceOf(RegistryUnavailableException.class).hasMessageContaining("unreachable");
  }
}
