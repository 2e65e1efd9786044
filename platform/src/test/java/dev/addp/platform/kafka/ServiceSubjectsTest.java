package dev.addp.platform.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServiceSubjectsTest {
  @Test
  void everyTopicOfTheServiceHasItsSubject() {
    Topics topics = new Topics("x.");
    assertThat(ServiceSubjects.of(topics).keySet()).containsExactlyElementsOf(topics.all().stream().map(t -> t + "-value").toList());
  }
}
