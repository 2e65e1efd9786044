package dev.addp.app.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** What every benchmark does with its figures: one indented JSON file in its output folder, the same JSON on stdout. */
final class BenchReport {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private BenchReport() { }

  /** Writes {@code figures} to {@code out/file} and prints them. */
  static void write(Path out, String file, Map<String, Object> figures) throws IOException {
    String json = JSON.writeValueAsString(figures);
    Files.createDirectories(out);
    Files.writeString(out.resolve(file), json);
    System.out.println(json);
  }

  /** The machine's load averages as /proc/loadavg says them: a busy machine explains a slow figure. */
  static String loadavg() throws IOException { return Files.readString(Path.of("/proc/loadavg")).trim(); }

  static double round(double v) { return Math.round(v * 10) / 10.0; }

  static double mb(long bytes) { return round(bytes / 1024.0 / 1024.0); }

  static double mean(List<Double> xs) { return xs.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN); }
}
