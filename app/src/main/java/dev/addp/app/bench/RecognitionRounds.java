package dev.addp.app.bench;

import static dev.addp.app.bench.BenchReport.mean;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The recognition bench's measured rounds, and the figures and ratios they give. */
final class RecognitionRounds {
  final List<Double> raw = new ArrayList<>();
  final List<Double> rawDecoded = new ArrayList<>();
  final List<Double> e2e = new ArrayList<>();
  final List<Double> e2eOff = new ArrayList<>();
  final List<Double> jitDuringE2e = new ArrayList<>();
  final List<Map<String, Object>> scrapes = new ArrayList<>();
  int warmups;

  /** The ratios first, then every round; {@code metrics} is the bench's --metrics. */
  Map<String, Object> figures(String metrics) {
    double rawIps = mean(raw);
    Map<String, Object> bench = new LinkedHashMap<>();
    bench.put("raw_ips", rawIps);
    bench.put("metrics", metrics);
    if (!e2e.isEmpty()) {
      bench.put("e2e_ips", mean(e2e));
      bench.put("ratio", mean(e2e) / rawIps);
      bench.put("e2e_rounds_ips", e2e);
    }
    if (!e2eOff.isEmpty()) {
      bench.put("e2e_metrics_off_ips", mean(e2eOff));
      bench.put("ratio_metrics_off", mean(e2eOff) / rawIps);
      bench.put("e2e_metrics_off_rounds_ips", e2eOff);
    }
    if (!e2e.isEmpty() && !e2eOff.isEmpty()) bench.put("metrics_on_over_off", mean(e2e) / mean(e2eOff));
    bench.put("raw_rounds_ips", raw);
    bench.put("raw_with_postprocessing_ips", mean(rawDecoded));
    bench.put("raw_with_postprocessing_rounds_ips", rawDecoded);
    return bench;
  }

  /** The ratio lines: one for the rounds with metrics on, one for those with metrics off. */
  void printRatios() {
    double rawIps = mean(raw);
    if (!e2e.isEmpty()) {
      System.out.printf("raw ONNX Runtime: %.0f images/s; end-to-end through Kafka (metrics on): %.0f images/s; ratio %.3f%n",
          rawIps, mean(e2e), mean(e2e) / rawIps);
    }
    if (!e2eOff.isEmpty()) {
      System.out.printf("raw ONNX Runtime: %.0f images/s; end-to-end through Kafka (metrics off): %.0f images/s; ratio %.3f%n",
          rawIps, mean(e2eOff), mean(e2eOff) / rawIps);
    }
  }
}
