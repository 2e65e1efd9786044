package dev.addp.workers.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.ModelRef;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** Crop-graph runs are counted on their own meters; the executions counter stays the dense graph's. */
class RecognitionMetricsTest {
  @Test
  void cropRunsAndCropsAreCountedApartFromTheExecutions() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RecognitionMetrics m = new RecognitionMetrics(registry, new ModelRef("dense", "1.0.0", ""), "g");
    m.committed(4, 4);
    m.cropRun(9);
    m.cropRun(3);
    m.cropRunTime(2_000_000);
    assertThat(registry.get("addp.model.executions").counter().count()).isEqualTo(1);
    assertThat(registry.get("addp.recognition.crop.executions").tag("model", "dense").counter().count()).isEqualTo(2);
    assertThat(registry.get("addp.recognition.crop.inferences").counter().count()).isEqualTo(12);
    assertThat(registry.get("addp.recognition.crop.inference").timer().count()).isEqualTo(1);
  }
}
