package dev.addp.workers.model;

import java.util.List;

/** The VQ token grid: grid [h, w], count = h·w, codebook size K. */
public record TokenSpec(List<Integer> grid, int count, int codebookSize) { }
