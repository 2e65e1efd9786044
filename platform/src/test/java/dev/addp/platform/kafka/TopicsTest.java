package dev.addp.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.platform.config.AddpConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicsTest {
  @Test
  void requestsForARoutedModelGoToItsOwnTopicAndEverythingElseToTheSharedOne() {
    Topics t = Topics.from(AddpConfig.of(Map.of("topic.prefix", "x.", Topics.ROUTED_MODELS, " addp-fmnist-dense , other")));
    assertThat(t.recognitionRequestsFor("addp-fmnist-dense")).isEqualTo("x.recognition.requests.addp-fmnist-dense");
    assertThat(t.recognitionRequestsFor(null)).isEqualTo("x.recognition.requests");
    assertThat(t.recognitionRequestsFor("addp-fmnist")).isEqualTo("x.recognition.requests");
    assertThat(t.all()).contains("x.recognition.requests.addp-fmnist-dense", "x.recognition.requests.other", "x.recognition.requests");
    assertThat(Topics.from(AddpConfig.of(Map.of())).all()).noneMatch(name -> name.contains("recognition.requests."));
  }

  @org.junit.jupiter.api.Test
  void aRecordFitsOnlyWithRoomForItsKeyAndFraming() {
    org.assertj.core.api.Assertions.assertThat(Topics.fitsInRecord(new byte[10], new byte[1000])).isTrue();
    org.assertj.core.api.Assertions.assertThat(Topics.fitsInRecord(null, new byte[Topics.MAX_MESSAGE_BYTES])).isFalse();
    org.assertj.core.api.Assertions.assertThat(Topics.fitsInRecord(new byte[10],
        new byte[Topics.MAX_MESSAGE_BYTES - Topics.RECORD_OVERHEAD_BYTES - 10])).isTrue();
    org.assertj.core.api.Assertions.assertThat(Topics.fitsInRecord(new byte[11],
        new byte[Topics.MAX_MESSAGE_BYTES - Topics.RECORD_OVERHEAD_BYTES - 10])).isFalse();
  }
}
