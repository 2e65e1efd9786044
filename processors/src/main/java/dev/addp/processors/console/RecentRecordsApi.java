package dev.addp.processors.console;

import static dev.addp.processors.console.ConsoleAnswers.JSON;
import static dev.addp.processors.console.ConsoleAnswers.bytes;
import static dev.addp.processors.console.ConsoleAnswers.error;
import static dev.addp.processors.console.ConsoleAnswers.png;
import static dev.addp.processors.console.ConsoleAnswers.urlPart;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import dev.addp.avro.Classification;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.Topics;
import dev.addp.platform.metrics.ConsumerGroupLag;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The console's read-only answers: the recent results, dead letters and job images as JSON and PNG, and the figures. */
final class RecentRecordsApi {
  private static final int THROUGHPUT_WINDOW_S = 10;

  private final RecentRecords recent;
  private final AvroSerdes serdes;
  private final Topics topics;
  private final ConsumerGroupLag lag;
  private final ImageProbe probe;

  RecentRecordsApi(RecentRecords recent, AvroSerdes serdes, Topics topics, ConsumerGroupLag lag, ImageProbe probe) {
    this.recent = recent;
    this.serdes = serdes;
    this.topics = topics;
    this.lag = lag;
    this.probe = probe;
  }

  ArrayNode recognition() {
    ArrayNode list = JSON.createArrayNode();
    for (RecentRecords.Raw raw : recent.results()) {
      RecognitionResult r = serdes.recognitionResult().deserialize(topics.recognitionResults(), raw.value());
      ObjectNode n = list.addObject();
      n.put("request_id", r.getRequestId());
      n.put("dataset", r.getDataset());
      n.put("worker_id", r.getWorkerId());
      n.put("model", r.getModel().getName() + " " + r.getModel().getVersion());
      n.put("produced_at_ms", r.getProducedAtMs());
      n.put("batch_size", r.getTimings().getBatchSize());
      ArrayNode labels = n.putArray("labels");
      for (Classification c : r.getClassifications()) labels.addObject().put("label", c.getLabel()).put("score", c.getScore());
      n.put("boxes", r.getBoxes().size());
      n.put("masks", r.getMasks().size());
      n.put("has_image", recent.request(r.getRequestId()) != null);
      n.put("overlay", "/console/api/recognition/" + urlPart(r.getRequestId()) + "/overlay.png");
    }
    return list;
  }

  /** A recent result drawn over its request's image. */
  void overlay(HttpExchange ex, String requestId) throws IOException {
    RecognitionResult result = null;
    for (RecentRecords.Raw raw : recent.results()) {
      RecognitionResult r = serdes.recognitionResult().deserialize(topics.recognitionResults(), raw.value());
      if (r.getRequestId().equals(requestId)) {
        result = r;
        break;
      }
    }
    byte[] request = recent.request(requestId);
    if (result == null || request == null) {
      error(ex, 404, "no recent result with its image for " + requestId);
      return;
    }
    ImageRequest req = serdes.imageRequest().deserialize(topics.recognitionRequests(), request);
    byte[] drawn = req.getImageBytes() == null ? null : OverlayRenderer.render(probe, bytes(req.getImageBytes()), result);
    if (drawn == null) error(ex, 404, "the request's image is not inline or does not decode");
    else png(ex, drawn);
  }

  ArrayNode deadLetters() {
    ArrayNode list = JSON.createArrayNode();
    for (RecentRecords.Raw raw : recent.deadLetters()) {
      DeadLetter d = serdes.deadLetter().deserialize(topics.deadLetters(), raw.value());
      ObjectNode n = list.addObject();
      n.put("error_type", d.getErrorType().toString());
      n.put("stage", d.getStage());
      n.put("message", d.getMessage());
      n.put("error_class", d.getErrorClass());
      n.put("request_id", d.getRequestId());
      n.put("key", new String(raw.key(), StandardCharsets.UTF_8));
      n.put("source", d.getSource().getTopic() + "/" + d.getSource().getPartition() + "@" + d.getSource().getOffset());
      n.put("original_size", d.getOriginalSize());
      n.put("failed_at_ms", d.getFailedAtMs());
      n.put("worker_id", d.getWorkerId());
    }
    return list;
  }

  ArrayNode jobImages(String jobId) {
    Map<Integer, GenerationResult> byIndex = new LinkedHashMap<>();
    for (GenerationResult r : jobResults(jobId)) byIndex.put(r.getIndex(), r); // a rerun attempt writes the same image again
    ArrayNode list = JSON.createArrayNode();
    byIndex.values().stream().sorted(Comparator.comparingInt(GenerationResult::getIndex)).forEach(r -> {
      ObjectNode n = list.addObject().put("index", r.getIndex()).put("width", r.getWidth()).put("height", r.getHeight())
          .put("url", "/console/api/jobs/" + urlPart(jobId) + "/images/" + r.getIndex() + ".png");
      if (r.getSourcePng() != null) n.put("source_url", "/console/api/jobs/" + urlPart(jobId) + "/source.png");
    });
    return list;
  }

  /** An edit job's source as the model saw it (every result of the job carries it). */
  void jobSource(HttpExchange ex, String jobId) throws IOException {
    for (GenerationResult r : jobResults(jobId)) {
      if (r.getSourcePng() != null) {
        png(ex, bytes(r.getSourcePng()));
        return;
      }
    }
    error(ex, 404, "job " + jobId + " has no edit source among the recent results");
  }

  void jobImage(HttpExchange ex, String jobId, int index) throws IOException {
    for (GenerationResult r : jobResults(jobId)) {
      if (r.getIndex() == index) {
        png(ex, bytes(r.getPng()));
        return;
      }
    }
    error(ex, 404, "no image " + index + " of job " + jobId + " among the recent results");
  }

  private List<GenerationResult> jobResults(String jobId) {
    return recent.jobImages(jobId).stream().map(v -> serdes.generationResult().deserialize(topics.generationResults(), v)).toList();
  }

  ObjectNode figures() {
    ObjectNode n = JSON.createObjectNode();
    RecentRecords.Throughput t = recent.throughput(System.currentTimeMillis(), THROUGHPUT_WINDOW_S);
    n.put("window_s", THROUGHPUT_WINDOW_S);
    n.put("results_per_second", t.resultsPerSecond());
    n.put("mean_batch_size", t.meanBatchSize());
    n.put("dead_letters_shown", recent.deadLetters().size());
    ObjectNode groups = n.putObject("lag");
    List<ConsumerGroupLag.Lag> lags = lag == null ? List.of() : lag.latest();
    for (ConsumerGroupLag.Lag l : lags) {
      ObjectNode g = groups.has(l.group()) ? (ObjectNode) groups.get(l.group()) : groups.putObject(l.group());
      g.put("records", g.path("records").asLong(0) + l.records());
      g.put("max_seconds", Math.max(g.path("max_seconds").asDouble(0), l.seconds()));
      g.put("partitions", g.path("partitions").asInt(0) + 1);
    }
    return n;
  }
}
