package dev.addp.processors.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

/** Which stream-thread failures stop the application instead of replacing the thread. */
class StreamsRunnerTest {
  @Test
  void authorizationAuthenticationAndVersionErrorsAreFatalWhereverWrapped() {
    TopicAuthorizationException topic = new TopicAuthorizationException(Set.of("addp.images.raw"));
    assertThat(StreamsRunner.fatalCause(new StreamsException(new StreamsException(topic)))).isSameAs(topic);
    assertThat(StreamsRunner.fatalCause(new GroupAuthorizationException("no"))).isInstanceOf(GroupAuthorizationException.class);
    assertThat(StreamsRunner.fatalCause(new StreamsException(new SaslAuthenticationException("bad password"))))
        .isInstanceOf(SaslAuthenticationException.class);
    assertThat(StreamsRunner.fatalCause(new UnsupportedVersionException("old broker"))).isInstanceOf(UnsupportedVersionException.class);
  }

  @Test
  void otherErrorsReplaceTheThread() {
    assertThat(StreamsRunner.fatalCause(new StreamsException(new TimeoutException("slow broker")))).isNull();
    assertThat(StreamsRunner.fatalCause(new IllegalStateException("bug"))).isNull();
  }
}
