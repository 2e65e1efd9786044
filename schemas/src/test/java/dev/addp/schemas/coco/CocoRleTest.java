package dev.addp.schemas.coco;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CocoRleTest {
  /** Row-major mask from rows of '0'/'1'. */
  private static boolean[] mask(String... rows) {
    int w = rows[0].length();
    boolean[] m = new boolean[rows.length * w];
    for (int y = 0; y < rows.length; y++) for (int x = 0; x < w; x++) m[y * w + x] = rows[y].charAt(x) == '1';
    return m;
  }

  static Stream<Arguments> masks() {
    Random random = new Random(9);
    boolean[] noise = new boolean[37 * 23];
    for (int i = 0; i < noise.length; i++) noise[i] = random.nextInt(3) == 0;
    boolean[] checker = new boolean[7 * 9];
    for (int y = 0; y < 7; y++) for (int x = 0; x < 9; x++) checker[y * 9 + x] = (x + y) % 2 == 1;
    boolean[] single = new boolean[5 * 3];
    single[2 * 3 + 1] = true;
    boolean[] lastPixel = new boolean[4 * 6];
    lastPixel[lastPixel.length - 1] = true;
    boolean[] full = new boolean[6 * 4];
    java.util.Arrays.fill(full, true);
    return Stream.of(
        Arguments.of("empty 5×7", new boolean[35], 5, 7),
        Arguments.of("no pixels 0×0", new boolean[0], 0, 0),
        Arguments.of("full 6×4", full, 6, 4),
        Arguments.of("single pixel inside 5×3", single, 5, 3),
        Arguments.of("last pixel 4×6", lastPixel, 4, 6),
        Arguments.of("1×1 set", new boolean[] {true}, 1, 1),
        Arguments.of("checkerboard 7×9", checker, 7, 9),
        Arguments.of("noise 37×23 (odd sizes, long runs and negative deltas)", noise, 37, 23));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("masks")
  void encodeThenDecodeGivesTheMaskBack(String name, boolean[] m, int h, int w) {
    long[] counts = CocoRle.counts(m, h, w);
    assertThat(CocoRle.decode(counts, h, w)).isEqualTo(m);
    String s = CocoRle.encode(m, h, w);
    assertThat(CocoRle.fromString(s)).isEqualTo(counts);
    assertThat(CocoRle.decode(s, h, w)).isEqualTo(m);
    long set = 0;
    for (boolean b : m) if (b) set++;
    assertThat(CocoRle.area(s)).isEqualTo(set);
  }

  @Test
  void countsAreColumnMajorAndStartWithTheZeroRun() {
    // columns: (0,1) then (1,1): 0 | 1 1 1
    assertThat(CocoRle.counts(mask("01", "11"), 2, 2)).containsExactly(1, 3);
    // first pixel set: an empty leading 0-run
    assertThat(CocoRle.counts(mask("10", "00"), 2, 2)).containsExactly(0, 1, 3);
    // column-major, not row-major: the right column is read after the whole left column
    assertThat(CocoRle.counts(mask("01", "01", "00"), 3, 2)).containsExactly(3, 2, 1);
    assertThat(CocoRle.counts(new boolean[12], 3, 4)).containsExactly(12);
    boolean[] checker = mask("010", "101");
    assertThat(CocoRle.counts(checker, 2, 3)).containsExactly(1, 2, 2, 1);
  }

  /**
   * Strings derived by hand from pycocotools' rleToString (maskApi.c): per count x (minus the count
   * two back when i > 2), emit c = x & 0x1f, x >>= 5, more = (c & 0x10) ? x != -1 : x != 0, c |= 0x20
   * if more, char c + 48.
   */
  @Test
  void stringsMatchPycocotoolsOnHandCheckedCases() {
    assertThat(CocoRle.toString(new long[] {1, 3})).isEqualTo("13");
    assertThat(CocoRle.toString(new long[] {0, 9})).isEqualTo("09");
    // 20 = 0b10100: bit 0x10 set, so a second group '0' ends it (else it would read as negative)
    // 3 at i = 3 is written as 3 - 5 = -2: c = 30 ('N'), x = -1 with 0x10 set → ends
    assertThat(CocoRle.toString(new long[] {0, 5, 20, 3})).isEqualTo("05d0N");
    // 100 = 4 + 3·32: 'T' (4 | 0x20, + 48) then '3'
    assertThat(CocoRle.toString(new long[] {100})).isEqualTo("T3");
    // i = 2 is NOT delta-coded (pycocotools' i > 2): 3 stays '3'; i = 3: 40 - 2 = 38 = 6 + 32 → 'V' '1'
    assertThat(CocoRle.toString(new long[] {1, 2, 3, 40})).isEqualTo("123V1");
    // 40 = 8 + 32 → 'X' '1'; i = 3: 2 - 40 = -38 → c = 26 | 0x20 → 'j', then c = 30 with x = -1 → 'N'
    assertThat(CocoRle.toString(new long[] {1, 40, 3, 2})).isEqualTo("1X13jN");
    assertThat(CocoRle.fromString("1X13jN")).containsExactly(1, 40, 3, 2);
    assertThat(CocoRle.fromString("05d0N")).containsExactly(0, 5, 20, 3);
    // the same through a mask: 4×7, column-major: 5 set, 20 clear, 3 set
    boolean[] m = new boolean[28];
    for (int j : new int[] {0, 1, 2, 3, 4, 25, 26, 27}) m[(j % 4) * 7 + j / 4] = true;
    assertThat(CocoRle.encode(m, 4, 7)).isEqualTo("05d0N");
  }

  @Test
  void badStringsAndSizesAreRefused() {
    assertThatThrownBy(() -> CocoRle.decode("13", 3, 3)).hasMessageContaining("cover 4 of 9");
    assertThatThrownBy(() -> CocoRle.fromString("1 3")).hasMessageContaining("not a COCO RLE character");
    assertThatThrownBy(() -> CocoRle.fromString("T")).hasMessageContaining("ends inside");
    assertThatThrownBy(() -> CocoRle.counts(new boolean[5], 2, 3)).hasMessageContaining("not 2×3");
  }

  /** A mask given by its region only has exactly the counts of the whole mask, wherever the region lies. */
  @Test
  void aRegionsCountsEqualTheWholeMasks() {
    java.util.Random random = new java.util.Random(17);
    for (int trial = 0; trial < 2000; trial++) {
      int h = 1 + random.nextInt(12);
      int w = 1 + random.nextInt(12);
      int top = random.nextInt(h + 1);
      int left = random.nextInt(w + 1);
      int rh = random.nextInt(h - top + 1);
      int rw = random.nextInt(w - left + 1);
      boolean[] region = new boolean[rw * rh];
      boolean[] whole = new boolean[w * h];
      for (int y = 0; y < rh; y++) {
        for (int x = 0; x < rw; x++) {
          boolean v = random.nextInt(3) == 0;
          region[y * rw + x] = v;
          whole[(top + y) * w + left + x] = v;
        }
      }
      assertThat(CocoRle.counts(region, left, top, rw, rh, h, w)).as("trial " + trial).containsExactly(CocoRle.counts(whole, h, w));
    }
    assertThatThrownBy(() -> CocoRle.counts(new boolean[4], 2, 0, 2, 2, 3, 3)).hasMessageContaining("not inside 3×3");
  }
}
