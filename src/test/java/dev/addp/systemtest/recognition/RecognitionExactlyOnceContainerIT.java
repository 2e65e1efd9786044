package dev.addp.systemtest.recognition;

import dev.addp.platform.config.AddpConfig;
import dev.addp.systemtest.support.ContainerStack;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The exactly-once recognition contract on Kafka and the registry in containers; skipped without Docker. */
@Testcontainers(disabledWithoutDocker = true)
class RecognitionExactlyOnceContainerIT extends RecognitionExactlyOnceContract {
  @Override
  protected AddpConfig stackConfig() { return ContainerStack.config(); }
}
