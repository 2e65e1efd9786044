package dev.addp.systemtest.ingest;

import dev.addp.platform.config.AddpConfig;
import dev.addp.systemtest.support.ContainerStack;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The ingest dead-letter contract on Kafka and the registry in containers; skipped without Docker. */
@Testcontainers(disabledWithoutDocker = true)
class IngestDeadLetterContainerIT extends IngestDeadLetterContract {
  @Override
  protected AddpConfig stackConfig() { return ContainerStack.config(); }
}
