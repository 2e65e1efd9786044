package dev.addp.schemas.coco;

import java.util.Arrays;

/**
 * COCO run-length encoding of a binary mask, the form of {@code Mask.counts}: exactly what
 * pycocotools' {@code maskApi.c} writes, so COCO tools read our masks unchanged.
 *
 * <p>Counts run over the mask in column-major order (down each column, columns left to right),
 * alternate 0-runs and 1-runs and always start with a 0-run (0 long when the first pixel is set).
 * The string form ({@code rleToString}) writes each count as a little-endian varint of 5-bit groups,
 * one character per group: {@code c = (x & 0x1f) | (more ? 0x20 : 0)} plus 48, where a group
 * ends the number when the remaining value is 0 (or -1 with bit 0x10 set: sign extension). From
 * the fourth count on ({@code i > 2} in pycocotools, not {@code i >= 2}) the count is written as
 * its difference from the count two places back.
 *
 * <p>Masks are given row-major (as images are stored), {@code mask[y * width + x]}.
 */
public final class CocoRle {
  private CocoRle() { }

  /** Column-major run lengths of a row-major {@code height × width} mask (true or non-zero = set). */
  public static long[] counts(boolean[] mask, int height, int width) {
    check(mask.length, height, width);
    return counts(mask, 0, 0, width, height, height, width);
  }

  /**
   * Column-major run lengths of a {@code height × width} mask whose set pixels all lie in a region:
   * {@code region} is row-major, {@code regionWidth × regionHeight}, its top-left pixel at
   * ({@code left}, {@code top}); every pixel outside it is unset. The same counts as the full mask's,
   * with memory in proportion to the region (an instance mask needs only its box).
   */
  public static long[] counts(boolean[] region, int left, int top, int regionWidth, int regionHeight, int height, int width) {
    check(region.length, regionHeight, regionWidth);
    if (left < 0 || top < 0 || (long) left + regionWidth > width || (long) top + regionHeight > height) {
      throw new IllegalArgumentException("region " + regionWidth + "×" + regionHeight + " at (" + left + ", " + top
          + ") is not inside " + width + "×" + height);
    }
    Runs runs = new Runs();
    for (int x = 0; x < width; x++) {
      if (x < left || x >= left + regionWidth) {
        runs.add(false, height);
        continue;
      }
      runs.add(false, top);
      for (int y = 0; y < regionHeight; y++) runs.add(region[y * regionWidth + x - left], 1);
      runs.add(false, height - top - regionHeight);
    }
    return runs.toArray();
  }

  /** Alternating runs, starting with a 0-run; grows with the runs, not with the pixels. */
  private static final class Runs {
    private long[] runs = new long[16];
    private int n;
    private boolean value;
    private long run;

    void add(boolean v, long length) {
      if (length == 0) return;
      if (v != value) {
        push(run);
        run = 0;
        value = v;
      }
      run += length;
    }

    private void push(long r) {
      if (n == runs.length) runs = Arrays.copyOf(runs, 2 * n);
      runs[n++] = r;
    }

    long[] toArray() {
      push(run);
      return Arrays.copyOf(runs, n);
    }
  }

  /** The compressed string form of the mask, as pycocotools' {@code rleToString}. */
  public static String encode(boolean[] mask, int height, int width) { return toString(counts(mask, height, width)); }

  /** Counts → compressed string ({@code rleToString}). */
  public static String toString(long[] counts) {
    StringBuilder s = new StringBuilder(counts.length * 2);
    for (int i = 0; i < counts.length; i++) {
      long x = counts[i];
      if (i > 2) x -= counts[i - 2];
      boolean more = true;
      while (more) {
        long c = x & 0x1f;
        x >>= 5; // arithmetic shift: negative deltas end at -1
        more = (c & 0x10) != 0 ? x != -1 : x != 0;
        if (more) c |= 0x20;
        s.append((char) (c + 48));
      }
    }
    return s.toString();
  }

  /** Compressed string → counts ({@code rleFrString}). */
  public static long[] fromString(String s) {
    long[] counts = new long[s.length()];
    int m = 0;
    int p = 0;
    while (p < s.length()) {
      long x = 0;
      int k = 0;
      boolean more = true;
      while (more) {
        if (p >= s.length()) throw new IllegalArgumentException("RLE string ends inside a number: " + s);
        long c = s.charAt(p) - 48;
        if (c < 0 || c > 63) throw new IllegalArgumentException("not a COCO RLE character '" + s.charAt(p) + "' in " + s);
        x |= (c & 0x1f) << (5 * k);
        more = (c & 0x20) != 0;
        p++;
        k++;
        if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
      }
      if (m > 2) x += counts[m - 2];
      counts[m++] = x;
    }
    return Arrays.copyOf(counts, m);
  }

  /** Counts → row-major mask; the counts must cover exactly {@code height × width} pixels. */
  public static boolean[] decode(long[] counts, int height, int width) {
    boolean[] mask = new boolean[height * width];
    long covered = 0;
    boolean v = false;
    for (long run : counts) {
      if (run < 0) throw new IllegalArgumentException("negative run " + run);
      for (long j = 0; j < run; j++, covered++) {
        if (covered >= mask.length) throw new IllegalArgumentException("runs cover more than " + height + "×" + width + " pixels");
        int x = (int) (covered / height);
        int y = (int) (covered % height);
        mask[y * width + x] = v;
      }
      v = !v;
    }
    if (covered != mask.length) throw new IllegalArgumentException("runs cover " + covered + " of " + mask.length + " pixels");
    return mask;
  }

  public static boolean[] decode(String counts, int height, int width) { return decode(fromString(counts), height, width); }

  /** Set pixels: the sum of the 1-runs (odd positions). */
  public static long area(long[] counts) {
    long a = 0;
    for (int i = 1; i < counts.length; i += 2) a += counts[i];
    return a;
  }

  public static long area(String counts) { return area(fromString(counts)); }

  private static void check(int length, int height, int width) {
    if (height < 0 || width < 0 || (long) height * width != length) {
      throw new IllegalArgumentException("mask of " + length + " pixels is not " + height + "×" + width);
    }
  }
}
