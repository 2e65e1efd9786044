package dev.addp.workers.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.schemas.registry.RegistryUnavailableException;
import dev.addp.schemas.registry.SchemaRegistryException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.junit.jupiter.api.Test;

class FaultTest {
  @Test
  void whatNoRetryCanCureIsFatal() {
    assertThat(Fault.of(new TopicAuthorizationException("not authorized to access topics: [x]"))).isEqualTo(Fault.FATAL);
    assertThat(Fault.of(new GroupAuthorizationException("group"))).isEqualTo(Fault.FATAL);
    assertThat(Fault.of(new TransactionalIdAuthorizationException("txn"))).isEqualTo(Fault.FATAL);
    assertThat(Fault.of(new SaslAuthenticationException("bad password"))).isEqualTo(Fault.FATAL);
    assertThat(Fault.of(new UnsupportedVersionException("old broker"))).isEqualTo(Fault.FATAL);
    assertThat(Fault.of(new ProducerFencedException("newer instance"))).isEqualTo(Fault.FATAL);
    assertThat(Fault.of(new FencedInstanceIdException("instance"))).isEqualTo(Fault.FATAL);
    assertThat(Fault.of(new SerializationException("cannot serialize"))).isEqualTo(Fault.FATAL);
  }

  @Test
  void aFatalCauseWrappedInAGenericKafkaErrorIsStillFatal() {
    KafkaException wrapped = new KafkaException("Cannot execute transactional method because we are in an error state",
        new TopicAuthorizationException("not authorized"));
    assertThat(Fault.of(wrapped)).isEqualTo(Fault.FATAL);
  }

  @Test
  void otherKafkaErrorsAreRetried() {
    assertThat(Fault.of(new TimeoutException("commit timed out"))).isEqualTo(Fault.RETRIABLE);
    assertThat(Fault.of(new CommitFailedException("group rebalanced"))).isEqualTo(Fault.RETRIABLE);
    assertThat(Fault.of(new RebalanceInProgressException("rebalancing"))).isEqualTo(Fault.RETRIABLE);
    assertThat(Fault.of(new InvalidProducerEpochException("coordinator moved"))).isEqualTo(Fault.RETRIABLE);
    assertThat(Fault.of(new OutOfOrderSequenceException("sequence"))).isEqualTo(Fault.RETRIABLE); // the output replaced its producer
    assertThat(Fault.of(new KafkaException("broker went away"))).isEqualTo(Fault.RETRIABLE);
  }

  @Test
  void anUnreachableRegistryPausesButARefusalStops() {
    assertThat(Fault.of(new RegistryUnavailableException("connection refused", null))).isEqualTo(Fault.REGISTRY_UNAVAILABLE);
    assertThat(Fault.of(new IllegalStateException("wrapped", new RegistryUnavailableException("HTTP 503", null))))
        .isEqualTo(Fault.REGISTRY_UNAVAILABLE);
    assertThat(Fault.of(new SchemaRegistryException("HTTP 401 unauthorized", 401, 401))).isEqualTo(Fault.FATAL);
    assertThat(Fault.of(new SchemaRegistryException("HTTP 409 incompatible", 409, 409))).isEqualTo(Fault.FATAL);
  }

  @Test
  void aBugIsFatalNotRetriedForever() {
    assertThat(Fault.of(new NullPointerException("x"))).isEqualTo(Fault.FATAL);
    assertThat(Fault.of(new IllegalStateException("cannot encode dev.addp.avro.RecognitionResult"))).isEqualTo(Fault.FATAL);
  }

  @Test
  void backoffDoublesUpToItsCap() {
    FaultSettings s = new FaultSettings(5, java.time.Duration.ofMillis(100), java.time.Duration.ofMillis(350),
        java.time.Duration.ofSeconds(1), 1024);
    assertThat(s.backoff(1).toMillis()).isEqualTo(100);
    assertThat(s.backoff(2).toMillis()).isEqualTo(200);
    assertThat(s.backoff(3).toMillis()).isEqualTo(350);
    assertThat(s.backoff(60).toMillis()).isEqualTo(350);
  }
}
