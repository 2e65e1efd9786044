package dev.addp.app.bench;

import dev.addp.app.data.FashionMnistSample;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options the benchmarks that load one worker JVM share: its ONNX Runtime threads and the images they send. */
final class WorkerLoadOptions {
  @Option(names = "--threads", defaultValue = "1", description = "the worker's ONNX Runtime intra-op threads")
  int threads;

  @Option(names = "--sample", description = "folder with the gzipped IDX sample")
  Path sample = FashionMnistSample.DEFAULT_DIR;

  /** The first {@code max} sample images as PNG, sent round-robin. */
  byte[][] pngs(int max) { return FashionMnistSample.read(sample).pngs(max); }
}
