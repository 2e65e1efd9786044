package dev.addp.systemtest.support;

import dev.addp.platform.config.AddpConfig;
import java.util.Map;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The cluster mode under test: Kafka (KRaft, apache/kafka image) and Apicurio Registry in Docker
 * containers, for the Testcontainers variants of the system tests. Those tests are annotated
 * {@code @Testcontainers(disabledWithoutDocker = true)} and skip where no Docker engine runs.
 */
public final class ContainerStack {
  public static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.1");
  @SuppressWarnings("resource")
  public static final GenericContainer<?> REGISTRY = new GenericContainer<>("apicurio/apicurio-registry-mem:2.6.13.Final")
      .withExposedPorts(8080)
      .waitingFor(Wait.forHttp("/apis/ccompat/v7/subjects").forStatusCode(200));

  private ContainerStack() { }

  public static synchronized AddpConfig config() {
    if (!KAFKA.isRunning()) KAFKA.start();
    if (!REGISTRY.isRunning()) REGISTRY.start();
    return AddpConfig.of(Map.of(AddpConfig.BOOTSTRAP_SERVERS, KAFKA.getBootstrapServers(),
        AddpConfig.REGISTRY_URL, "http://" + REGISTRY.getHost() + ":" + REGISTRY.getMappedPort(8080) + "/apis/ccompat/v7"));
  }
}
