package dev.addp.systemtest.ingest;

import dev.addp.platform.config.AddpConfig;
import dev.addp.systemtest.support.SharedEmbeddedStack;

/** The ingest dead-letter contract on the embedded KRaft broker and registry. */
class IngestDeadLetterIT extends IngestDeadLetterContract {
  @Override
  protected AddpConfig stackConfig() { return SharedEmbeddedStack.get().config(); }
}
