package dev.addp.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
  private final DeadLetters letters = new DeadLetters("ingest", "w-1", 1024);

  @Test
  void anUnreadableRecordIsNamedByItsKey() {
    DeadLetter d = letters.of(ErrorType.NOT_WIRE_FORMAT, "rule", "not avro", "raw", 0, 5, 1L,
        "photos/a.jpg".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2}, null);
    assertThat(d.getRequestId()).isEqualTo("photos/a.jpg");
  }

  @Test
  void theRequestsOwnIdWinsAndBinaryKeysNameNothing() {
    assertThat(letters.of(ErrorType.EMPTY_IMAGE, "rule", "m", "raw", 0, 5, 1L, "key".getBytes(StandardCharsets.UTF_8), null, "id-1")
        .getRequestId()).isEqualTo("id-1");
    assertThat(letters.of(ErrorType.NOT_WIRE_FORMAT, "rule", "m", "raw", 0, 5, 1L, new byte[] {(byte) 0xC3, 0x28}, null, null)
        .getRequestId()).isNull();
    assertThat(letters.of(ErrorType.NOT_WIRE_FORMAT, "rule", "m", "raw", 0, 5, 1L, new byte[] {0, 0, 0, 1}, null, null)
        .getRequestId()).isNull();
    assertThat(letters.of(ErrorType.NOT_WIRE_FORMAT, "rule", "m", "raw", 0, 5, 1L, null, null, null).getRequestId()).isNull();
  }
}
