package dev.addp.systemtest.recognition;

import dev.addp.platform.config.AddpConfig;
import dev.addp.systemtest.support.SharedEmbeddedStack;

/** The exactly-once recognition contract on the embedded KRaft broker and registry. */
class RecognitionExactlyOnceIT extends RecognitionExactlyOnceContract {
  @Override
  protected AddpConfig stackConfig() { return SharedEmbeddedStack.get().config(); }
}
