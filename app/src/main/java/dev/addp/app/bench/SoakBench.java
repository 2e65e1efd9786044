package dev.addp.app.bench;

import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.JobState;
import dev.addp.avro.Schedule;
import dev.addp.app.embedded.BundledRegistry;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import dev.addp.platform.kafka.AvroSerdes;
import dev.addp.platform.kafka.KafkaClients;
import dev.addp.platform.kafka.Topics;
import dev.addp.schemas.JobStates;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Mixed recognition and generation for a bounded time against one worker JVM running both roles;
 * in the middle the worker is killed (SIGKILL) and a new one started with the same worker id.
 * Afterwards every recognition request must have exactly one result, every generation job exactly
 * one image per index and exactly one terminal event, SUCCEEDED.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
    description = "A bounded soak (--minutes) of mixed recognition and generation; the worker JVM is killed with SIGKILL "
        + "half-way and restarted; counts lost and duplicated results; writes <out>/soak.json.")
public final class SoakBench implements Callable<Integer> {
  @Option(names = "--minutes", defaultValue = "3") double minutes;
  @Option(names = "--rate", defaultValue = "50", description = "recognition requests per second") int rate;
  @Option(names = "--job-every-seconds", defaultValue = "10") int jobEverySeconds;
  @Option(names = "--job-images", defaultValue = "4") int jobImages;
  @Option(names = "--job-steps", defaultValue = "16") int jobSteps;
  @Option(names = "--partitions", defaultValue = "2") int partitions;
  @Option(names = "--heap", defaultValue = "768m", description = "the worker JVM's -Xmx") String heap;
  @Option(names = "--out", defaultValue = "out/bench-soak") Path out;
  @Mixin WorkerLoadOptions load;

  @Override
  public Integer call() throws Exception {
    String loadBefore = BenchReport.loadavg();
    byte[][] pngs = load.pngs(500);
    try (EmbeddedStack stack = EmbeddedStack.start(AddpConfig.of(Map.of()), partitions, BundledRegistry.location())) {
      AddpConfig config = stack.config().with(AddpConfig.WORKER_ID, "soak-worker").with("model.intra.op.threads", Integer.toString(load.threads))
          .with("model.device", "cpu").with("generation.batch.size", "16");
      Topics topics = Topics.from(config);
      AvroSerdes serdes = AvroSerdes.from(config);
      Map<String, Object> figures = new LinkedHashMap<>();
      int sent = 0;
      int jobs = 0;
      WorkerJvm first = WorkerJvm.start("recognition,generation", config, heap);
      WorkerJvm second = null;
      try (KafkaProducer<byte[], byte[]> producer = new KafkaClients(config).producer()) {
        first.awaitLog("recognition worker soak-worker assigned", Duration.ofMinutes(3));
        first.awaitLog("generation worker soak-worker assigned", Duration.ofMinutes(3));
        // the soak's clock starts once the worker is serving: its start-up is not part of the --minutes
        long start = System.nanoTime();
        long end = start + (long) (minutes * 60e9);
        long killAt = start + (long) (minutes * 30e9);
        System.out.printf("soak: %.1f min, %d recognition requests/s, a %d-image %d-step job every %d s; kill half-way%n",
            minutes, rate, jobImages, jobSteps, jobEverySeconds);
        while (System.nanoTime() < end) {
          long elapsedMs = (System.nanoTime() - start) / 1_000_000;
          while (sent < elapsedMs * rate / 1000) {
            String id = "soak-" + sent;
            ImageRequest r = ImageRequest.newBuilder().setRequestId(id).setImageBytes(ByteBuffer.wrap(pngs[sent % pngs.length]))
                .setSubmittedAtMs(System.currentTimeMillis()).build();
            producer.send(new ProducerRecord<>(topics.recognitionRequests(), bytes(id), serdes.imageRequest().serialize(topics.recognitionRequests(), r)));
            sent++;
          }
          if (jobs <= elapsedMs / 1000 / jobEverySeconds) {
            String job = "soak-job-" + jobs;
            GenerationRequest g = GenerationRequest.newBuilder().setJobId(job).setCount(jobImages).setSteps(jobSteps)
                .setSchedule(Schedule.COSINE).setSeed(jobs).setSubmittedAtMs(System.currentTimeMillis()).build();
            producer.send(new ProducerRecord<>(topics.generationRequests(), bytes(job), serdes.generationRequest().serialize(topics.generationRequests(), g)));
            jobs++;
          }
          if (second == null && System.nanoTime() >= killAt) {
            producer.flush();
            first.kill();
            System.out.printf("worker killed (SIGKILL) after %.0f s, %d requests and %d jobs sent; starting a new one%n",
                (System.nanoTime() - start) / 1e9, sent, jobs);
            figures.put("killed_after_seconds", BenchReport.round((System.nanoTime() - start) / 1e9));
            second = WorkerJvm.start("recognition,generation", config, heap);
          }
          TimeUnit.MILLISECONDS.sleep(20); // the pace of the load itself
        }
        producer.flush();
      }
      System.out.printf("load stopped: %d recognition requests, %d generation jobs; waiting for every result%n", sent, jobs);
      try (KeyTally recognition = new KeyTally(config, topics.recognitionResults(), KeyTally::key);
           KeyTally images = new KeyTally(config, topics.generationResults(), r -> {
             GenerationResult g = serdes.generationResult().deserialize(r.topic(), r.value());
             return g.getJobId() + "#" + g.getIndex();
           });
           KeyTally ended = new KeyTally(config, topics.generationEvents(), r -> {
             GenerationEvent e = serdes.generationEvent().deserialize(r.topic(), r.value());
             return JobStates.isTerminal(e.getState()) ? e.getJobId() + " " + e.getState() : null;
           })) {
        Duration wait = Duration.ofMinutes(10);
        boolean allRecognised = recognition.readUntilDistinct(sent, wait);
        boolean allImages = images.readUntilDistinct(jobs * jobImages, wait);
        ended.readUntilDistinct(jobs, wait);
        recognition.readToEnd(Duration.ofSeconds(60));
        images.readToEnd(Duration.ofSeconds(60));
        ended.readToEnd(Duration.ofSeconds(60));
        int succeeded = 0;
        for (int j = 0; j < jobs; j++) if (ended.contains("soak-job-" + j + " " + JobState.SUCCEEDED)) succeeded++;
        figures.put("minutes", minutes);
        figures.put("recognition_requests", sent);
        figures.put("recognition_lost", sent - recognition.distinct());
        figures.put("recognition_duplicated", recognition.extraRecords());
        figures.put("generation_jobs", jobs);
        figures.put("generation_images_expected", jobs * jobImages);
        figures.put("generation_images_lost", jobs * jobImages - images.distinct());
        figures.put("generation_images_duplicated", images.extraRecords());
        figures.put("generation_jobs_succeeded", succeeded);
        figures.put("generation_terminal_events", ended.records());
        figures.put("all_answered", allRecognised && allImages);
        if (second != null) {
          second.stop();
          figures.put("restarted_worker_peak_heap_used_sampled_mb", BenchReport.mb(second.maxHeapUsed()));
          figures.put("restarted_worker_vm_hwm_mb", BenchReport.round(second.hwmKb() / 1024.0));
        }
        figures.put("first_worker_peak_heap_used_sampled_mb", BenchReport.mb(first.maxHeapUsed()));
        figures.put("first_worker_vm_hwm_mb", BenchReport.round(first.hwmKb() / 1024.0));
        figures.put("worker_heap_limit", heap);
        figures.put("loadavg_before", loadBefore);
        figures.put("loadavg_after", BenchReport.loadavg());
        Files.createDirectories(out);
        Files.copy(first.logFile(), out.resolve("worker-killed.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        if (second != null) Files.copy(second.logFile(), out.resolve("worker-restarted.log"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } finally {
        first.close();
        if (second != null) second.close();
      }
      BenchReport.write(out, "soak.json", figures);
      boolean exact = zero(figures, "recognition_lost") && zero(figures, "recognition_duplicated")
          && zero(figures, "generation_images_lost") && zero(figures, "generation_images_duplicated") && succeededAll(figures, jobs);
      System.out.println(exact ? "every request and every image exactly once, every job succeeded once" : "LOST OR DUPLICATED: see " + out.resolve("soak.json"));
      return exact ? 0 : 1;
    }
  }

  private static boolean zero(Map<String, Object> figures, String name) { return ((Number) figures.get(name)).longValue() == 0; }

  /** Every job ended exactly once, and as SUCCEEDED. */
  private static boolean succeededAll(Map<String, Object> figures, int jobs) {
    return ((Number) figures.get("generation_jobs_succeeded")).longValue() == jobs
        && ((Number) figures.get("generation_terminal_events")).longValue() == jobs;
  }

  private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }
}
