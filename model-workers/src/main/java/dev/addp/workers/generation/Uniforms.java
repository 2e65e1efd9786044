package dev.addp.workers.generation;

import java.util.SplittableRandom;

/** Where an image's randomness comes from: per step, N uniforms for sampling then N for the Gumbel noise. */
public interface Uniforms {
  void next(int step, double[] forSampling, double[] forGumbel);

  /** The service's source: the image's own SplittableRandom stream. */
  static Uniforms of(SplittableRandom rng) {
    return (step, sampling, gumbel) -> {
      for (int i = 0; i < sampling.length; i++) sampling[i] = rng.nextDouble();
      for (int i = 0; i < gumbel.length; i++) gumbel[i] = rng.nextDouble();
    };
  }
}
