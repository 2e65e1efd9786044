package dev.addp.app.bench;

import static dev.addp.app.bench.BenchReport.mb;
import static dev.addp.app.bench.BenchReport.round;

import dev.addp.avro.ImageRequest;
import dev.addp.app.embedded.BundledRegistry;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.wire.AvroWireSerde;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * A burst far beyond what one worker serves: every request is in the requests topic before the
 * worker starts, so it meets the whole backlog at once. The worker runs in its own JVM; its heap
 * and resident memory are watched from outside, and every request id is counted in the results
 * (read_committed): lost and duplicated must both be 0.
 */
@Command(name = "overload", mixinStandardHelpOptions = true,
    description = "A burst of --requests recognition requests at once against one worker JVM (embedded broker and registry): "
        + "peak heap, RSS, the worker's rate, lost and duplicated results; writes <out>/overload.json.")
public final class OverloadBench implements Callable<Integer> {
  @Option(names = "--requests", defaultValue = "50000") int requests;
  @Option(names = "--partitions", defaultValue = "4") int partitions;
  @Option(names = "--batch-size", defaultValue = "32") int batchSize;
  @Option(names = "--max-in-flight", defaultValue = "256") int maxInFlight;
  @Option(names = "--heap", defaultValue = "512m", description = "the worker JVM's -Xmx") String heap;
  @Option(names = "--timeout-minutes", defaultValue = "40") int timeoutMinutes;
  @Option(names = "--out", defaultValue = "out/bench-overload") Path out;
  @Mixin WorkerLoadOptions load;

  @Override
  public Integer call() throws Exception {
    String loadBefore = BenchReport.loadavg();
    byte[][] pngs = load.pngs(1000);
    try (EmbeddedStack stack = EmbeddedStack.start(AddpConfig.of(Map.of()), partitions, BundledRegistry.location())) {
      AddpConfig config = stack.config().with(AddpConfig.WORKER_ID, "overload-worker")
          .with("recognition.batch.size", Integer.toString(batchSize)).with("recognition.max.in.flight", Integer.toString(maxInFlight))
          .with("model.intra.op.threads", Integer.toString(load.threads)).with("model.device", "cpu");
      Topics topics = Topics.from(config);
      AvroWireSerde<ImageRequest> serde = AvroSerdes.from(config).imageRequest();

      long t0 = System.nanoTime();
      try (KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer()) {
        for (int i = 0; i < requests; i++) {
          String id = "burst-" + i;
          ImageRequest r = ImageRequest.newBuilder().setRequestId(id).setImageBytes(ByteBuffer.wrap(pngs[i % pngs.length]))
              .setSubmittedAtMs(System.currentTimeMillis()).build();
          producer.send(new ProducerRecord<>(topics.recognitionRequests(), id.getBytes(StandardCharsets.UTF_8),
              serde.serialize(topics.recognitionRequests(), r)));
        }
        producer.flush();
      }
      double produceSeconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("burst: %,d requests in the requests topic in %.1f s; starting the worker JVM (-Xmx%s)%n",
          requests, produceSeconds, heap);

      Map<String, Object> figures = new LinkedHashMap<>();
      try (WorkerJvm worker = WorkerJvm.start("recognition", config, heap);
           KeyTally results = new KeyTally(config, topics.recognitionResults(), KeyTally::key)) {
        long start = System.nanoTime();
        boolean all = results.readUntilDistinct(requests, Duration.ofMinutes(timeoutMinutes));
        double seconds = (System.nanoTime() - start) / 1e9;
        results.readToEnd(Duration.ofSeconds(60));
        worker.stop();
        String log = worker.log();
        long lost = requests - results.distinct();
        double rate = results.distinct() / Math.max(results.spanSeconds(), 1e-9);
        figures.put("requests", requests);
        figures.put("all_answered", all);
        figures.put("results_read", results.records());
        figures.put("distinct_request_ids", results.distinct());
        figures.put("lost", lost);
        figures.put("duplicated", results.extraRecords());
        figures.put("produce_seconds", round(produceSeconds));
        figures.put("seconds_from_worker_start_to_last_result", round(seconds));
        figures.put("worker_rate_per_s", round(rate));
        figures.put("burst_over_one_minute_of_service", round(requests / (rate * 60)));
        figures.put("worker_peak_heap_used_sampled_mb", mb(worker.maxHeapUsed()));
        figures.put("worker_heap_pool_peaks_sum_mb", mb(worker.heapPoolPeaks()));
        figures.put("worker_vm_hwm_mb", round(worker.hwmKb() / 1024.0));
        figures.put("worker_max_rss_sampled_mb", round(worker.maxRssKb() / 1024.0));
        figures.put("worker_heap_limit", heap);
        figures.put("max_in_flight", maxInFlight);
        figures.put("batch_size", batchSize);
        figures.put("worker_threads", load.threads);
        figures.put("partitions", partitions);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("reading paused (\\d+) times, at most (\\d+) records held").matcher(log);
        figures.put("worker_reading_paused_times", m.find() ? Long.parseLong(m.group(1)) : -1);
        figures.put("worker_most_records_held", m.find(0) ? Long.parseLong(m.group(2)) : -1);
        figures.put("loadavg_before", loadBefore);
        figures.put("loadavg_after", BenchReport.loadavg());
        Files.createDirectories(out);
        Files.copy(worker.logFile(), out.resolve("worker.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
      BenchReport.write(out, "overload.json", figures);
      boolean exact = ((Number) figures.get("lost")).longValue() == 0 && ((Number) figures.get("duplicated")).longValue() == 0;
      System.out.println(exact ? "every request answered exactly once" : "LOST OR DUPLICATED RESULTS: see " + out.resolve("overload.json"));
      return exact ? 0 : 1;
    }
  }
}
