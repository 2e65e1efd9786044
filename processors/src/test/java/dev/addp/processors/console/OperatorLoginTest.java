package dev.addp.processors.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The operator session rules that need no HTTP server: token check, session expiry and bound, header parsing. */
class OperatorLoginTest {
  private final AtomicLong now = new AtomicLong();

  @Test
  void onlyTheConfiguredTokenOpensASessionAndWithoutOneTheConsoleIsReadOnly() {
    OperatorLogin login = new OperatorLogin("s3cret-token", Set.of(), now::get);
    assertThat(login.enabled()).isTrue();
    assertThat(login.login("wrong")).isNull();
    assertThat(login.login("")).isNull();
    assertThat(login.login(null)).isNull();
    String cookie = login.login("s3cret-token");
    assertThat(cookie).startsWith(OperatorLogin.COOKIE + "=").contains("HttpOnly").contains("SameSite=Strict");

    OperatorLogin readOnly = new OperatorLogin("", Set.of(), now::get);
    assertThat(readOnly.enabled()).isFalse();
    assertThat(readOnly.login("")).isNull();
  }

  @Test
  void sessionsAreBoundedAndDistinct() {
    OperatorLogin login = new OperatorLogin("t", Set.of(), now::get);
    String first = login.login("t");
    for (int i = 0; i < OperatorLogin.MAX_SESSIONS + 10; i++) assertThat(login.login("t")).isNotEqualTo(first);
    assertThat(login.sessionCount()).isEqualTo(OperatorLogin.MAX_SESSIONS);
  }

  @Test
  void hostNamesAreComparedWithoutThePort() {
    assertThat(OperatorLogin.hostName("127.0.0.1:8088")).isEqualTo("127.0.0.1");
    assertThat(OperatorLogin.hostName("LocalHost")).isEqualTo("localhost");
    assertThat(OperatorLogin.hostName("[::1]:8088")).isEqualTo("[::1]");
    assertThat(OperatorLogin.hostName("evil.example:8088")).isEqualTo("evil.example");
    assertThat(OperatorLogin.hostName(null)).isEmpty();
  }

  @Test
  void theSessionCookieIsFoundAmongOthers() {
    assertThat(OperatorLogin.cookie(List.of("a=1; " + OperatorLogin.COOKIE + "=abc; b=2"), OperatorLogin.COOKIE)).isEqualTo("abc");
    assertThat(OperatorLogin.cookie(List.of("a=1"), OperatorLogin.COOKIE)).isNull();
    assertThat(OperatorLogin.cookie(null, OperatorLogin.COOKIE)).isNull();
  }
}
