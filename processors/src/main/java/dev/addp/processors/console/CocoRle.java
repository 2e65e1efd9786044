package dev.addp.processors.console;

import java.util.ArrayList;
import java.util.List;

/** Decodes COCO's compressed RLE strings (pycocotools' rleFrString) into a mask. */
final class CocoRle {
  private CocoRle() { }

  /** Run lengths, alternating background and foreground, background first. */
  static long[] counts(String s) {
    List<Long> counts = new ArrayList<>();
    int p = 0;
    while (p < s.length()) {
      long x = 0;
      int k = 0;
      boolean more = true;
      while (more) {
        int c = s.charAt(p) - 48;
        x |= (long) (c & 0x1f) << (5 * k);
        more = (c & 0x20) != 0;
        p++;
        k++;
        if (!more && (c & 0x10) != 0) x |= -1L << (5 * k);
      }
      if (counts.size() > 2) x += counts.get(counts.size() - 2);
      counts.add(x);
    }
    return counts.stream().mapToLong(Long::longValue).toArray();
  }

  /** mask[y][x]; COCO runs go down the columns (column-major). */
  static boolean[][] decode(String s, int height, int width) {
    boolean[][] mask = new boolean[height][width];
    long i = 0;
    boolean on = false;
    long total = (long) height * width;
    for (long run : counts(s)) {
      for (long j = 0; j < run && i < total; j++, i++) {
        if (on) mask[(int) (i % height)][(int) (i / height)] = true;
      }
      on = !on;
    }
    return mask;
  }
}
