package dev.addp.workers.generation;

import java.util.SplittableRandom;

/**
 * One random stream per generated image, derived from (job seed, image index) only, so an image is
 * the same whichever batch, worker or attempt produced it. The streams are java.util.SplittableRandom
 * (SplitMix64), which the Python reference can replicate exactly.
 */
public final class StreamSeeds {
  private StreamSeeds() { }

  public static SplittableRandom forImage(long jobSeed, int index) {
    return new SplittableRandom(mix64(jobSeed * 0xD1B54A32D192ED03L + index));
  }

  /** SplitMix64's finaliser (Stafford variant 13), the same function SplittableRandom uses. */
  public static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
