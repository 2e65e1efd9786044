package dev.addp.app.cli;

import dev.addp.app.bench.GenerationBench;
import dev.addp.app.bench.HistoryBench;
import dev.addp.app.bench.OverloadBench;
import dev.addp.app.bench.RecognitionBench;
import dev.addp.app.bench.SoakBench;
import picocli.CommandLine.Command;

/** Benchmarks, each printing a ratio measured side by side in one run. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks.",
    subcommands = {RecognitionBench.class, GenerationBench.class, HistoryBench.class, OverloadBench.class, SoakBench.class})
final class BenchCommand {
}
