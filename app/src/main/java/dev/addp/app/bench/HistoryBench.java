package dev.addp.app.bench;

import dev.addp.app.embedded.BundledRegistry;
import dev.addp.app.run.JobHistoryBench;
import dev.addp.embedded.EmbeddedStack;
import dev.addp.platform.config.AddpConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** How long a generation worker takes to learn which jobs ended, the whole events topic against the job-state topic. */
@Command(name = "history", mixinStandardHelpOptions = true,
    description = "Seconds a generation worker spends learning which jobs ended when it takes over request partitions, with N "
        + "finished jobs in the topics: the whole events topic read from the start (the former way) against the job-state "
        + "topic's assigned partitions; writes <out>/bench.json.")
public final class HistoryBench implements Callable<Integer> {
  @Option(names = "--out", defaultValue = "out/bench-history")
  Path out;

  @Option(names = "--jobs", defaultValue = "100000", description = "finished jobs written first (default: ${DEFAULT-VALUE})")
  int jobs;

  @Option(names = "--progress-events", defaultValue = "8", description = "RUNNING events per job (default: ${DEFAULT-VALUE})")
  int progress;

  @Option(names = "--partitions", defaultValue = "4")
  int partitions;

  @Override
  public Integer call() throws Exception {
    Map<String, Object> bench = new LinkedHashMap<>();
    // large producer batches: the fill is a million small records, not what is measured
    AddpConfig base = AddpConfig.of(Map.of("kafka.batch.size", "524288", "kafka.linger.ms", "20"));
    try (EmbeddedStack stack = EmbeddedStack.start(base, partitions, BundledRegistry.location())) {
      JobHistoryBench b = new JobHistoryBench(stack.config());
      long t0 = System.nanoTime();
      b.fill(jobs, progress, partitions);
      bench.put("fill_seconds", (System.nanoTime() - t0) / 1e9);
      b.readWholeEventsTopic(); // warm-up: JIT, page cache, the registry's answers
      bench.put("before_whole_events_topic", b.readWholeEventsTopic());
      bench.put("after_one_partition", b.loadJobHistory(List.of(0), jobs, partitions));
      bench.put("after_all_partitions", b.loadJobHistory(IntStream.range(0, partitions).boxed().toList(), jobs, partitions));
    }
    bench.put("jobs", jobs);
    bench.put("progress_events_per_job", progress);
    bench.put("partitions", partitions);
    BenchReport.write(out, "bench.json", bench);
    return 0;
  }
}
