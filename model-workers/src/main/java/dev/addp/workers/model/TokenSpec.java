package dev.addp.workers.model;

import java.util.List;

/**
 * The VQ token grid: grid [h, w], count = h·w, codebook size K; {@code tokenizer} names the graph
 * that turns preprocessed pixels into token ids (null when the model has none).
 */
public record TokenSpec(List<Integer> grid, int count, int codebookSize, Tokenizer tokenizer) {
  public TokenSpec(List<Integer> grid, int count, int codebookSize) { this(grid, count, codebookSize, null); }

  /** Graph {@code graph}: input {@code input} float32 [batch,3,H,W] (preprocessed as the manifest says) → {@code output} int64 [batch,count]. */
  public record Tokenizer(String graph, String input, String output) { }
}
