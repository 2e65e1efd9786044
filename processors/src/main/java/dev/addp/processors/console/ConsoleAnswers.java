package dev.addp.processors.console;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** How the console answers: every answer with its security headers, errors as JSON, nothing cached. */
final class ConsoleAnswers {
  static final ObjectMapper JSON = new ObjectMapper();

  private ConsoleAnswers() { }

  static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
    secure(ex);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  static void json(HttpExchange ex, Object body) throws IOException {
    send(ex, 200, "application/json", JSON.writeValueAsBytes(body));
  }

  static void error(HttpExchange ex, int status, String message) throws IOException {
    send(ex, status, "application/json", ("{\"error\":" + JSON.valueToTree(message) + "}").getBytes(StandardCharsets.UTF_8));
  }

  static void text(HttpExchange ex, int status, String message) throws IOException {
    send(ex, status, "text/plain", message.getBytes(StandardCharsets.UTF_8));
  }

  static void png(HttpExchange ex, byte[] png) throws IOException {
    send(ex, 200, "image/png", png);
  }

  static void redirect(HttpExchange ex, String location) throws IOException {
    secure(ex);
    ex.getResponseHeaders().set("Location", location);
    ex.sendResponseHeaders(303, -1);
    ex.close();
  }

  /** Headers every console answer carries: no content sniffing, no framing by other pages, no referrer leaks. */
  static void secure(HttpExchange ex) {
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.getResponseHeaders().set("Content-Security-Policy", "frame-ancestors 'none'");
    ex.getResponseHeaders().set("X-Frame-Options", "DENY");
    ex.getResponseHeaders().set("Referrer-Policy", "same-origin"); // no-referrer would make browsers send "Origin: null"
  }

  /** One path segment, decoded. */
  static String decode(String part) { return URLDecoder.decode(part, StandardCharsets.UTF_8); }

  /** A value as one path segment of a link. */
  static String urlPart(String s) { return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20"); }

  static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }
}
