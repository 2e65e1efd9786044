package dev.addp.app.embedded;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.FileAppender;
import java.nio.file.Path;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * The in-process broker's own log (warnings and errors) in a file instead of the user's console.
 * A broker logs what its operator acts on, not its clients' user: for example it logs at ERROR, with
 * a stack trace, every batch it refuses as {@code OutOfOrderSequenceException} when a transaction's
 * first batch on a partition is still being verified with the transaction coordinator and the
 * producer's next batch arrives first; the refusal is how the broker keeps the order, and the
 * producer sends both again in order (nothing is lost or doubled).
 */
public final class BrokerLog {
  /** The loggers of the broker and controller (the clients log under org.apache.kafka.clients, .common, .streams, .connect). */
  static final List<String> BROKER_LOGGERS = List.of("kafka", "state.change.logger", "org.apache.kafka.server",
      "org.apache.kafka.raft", "org.apache.kafka.controller", "org.apache.kafka.metadata", "org.apache.kafka.image",
      "org.apache.kafka.storage", "org.apache.kafka.coordinator", "org.apache.kafka.queue", "org.apache.kafka.snapshot",
      "org.apache.kafka.security", "org.apache.kafka.network");

  private BrokerLog() { }

  /**
   * Sends the broker's warnings and errors to {@code file} (replaced), and nothing of them to the
   * console. False when the logging in use is not the app's own (a test's classpath), which is left as it is.
   */
  public static boolean writeTo(Path file) {
    if (!"ch.qos.logback.classic.LoggerContext".equals(LoggerFactory.getILoggerFactory().getClass().getName())) return false;
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} [%thread] %level %logger - %msg%n");
    encoder.start();
    FileAppender<ILoggingEvent> appender = new FileAppender<>();
    appender.setContext(context);
    appender.setName("broker");
    appender.setFile(file.toString());
    appender.setAppend(false);
    appender.setEncoder(encoder);
    appender.start();
    for (String name : BROKER_LOGGERS) {
      ch.qos.logback.classic.Logger logger = context.getLogger(name);
      logger.detachAndStopAllAppenders();
      logger.setLevel(Level.WARN);
      logger.setAdditive(false);
      logger.addAppender(appender);
    }
    return true;
  }
}
