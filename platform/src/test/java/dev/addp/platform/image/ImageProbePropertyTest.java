package dev.addp.platform.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.ImageInfo;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Hostile headers: valid images of every format the probe knows, with their bytes flipped, their
 * declared dimensions overwritten with any 8-, 16- or 32-bit value, cut short, or followed by
 * random bytes; and random bytes behind each format's signature. Whatever the input, the probe
 * either accepts an image within the limits or rejects it with a typed reason, and it never
 * allocates in proportion to what a header declares (only to the bytes it was given).
 */
class ImageProbePropertyTest {
  private static final ImageLimits LIMITS = new ImageLimits(1_000_000, 1_000_000, 4096);
  private static final ImageProbe PROBE = new ImageProbe(LIMITS);
  /**
   * Allocation allowed for one probe: the reader's own tables and buffers plus a few copies of the
   * input. A header honoured by allocating its declared pixels (up to 2^31 x 2^31 here) would be
   * orders of magnitude above it; the largest image the limits allow (1,000,000 RGB pixels) is 3 MB.
   */
  private static final long ALLOCATION_BOUND = 2L * 1024 * 1024;
  private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  /** A valid image and where its header declares width and height. */
  record Seed(String name, byte[] bytes, List<Field> dimensions) {
    @Override
    public String toString() { return name; }
  }

  /** An unsigned integer field of the header: offset, size in bytes, byte order. */
  record Field(int offset, int size, boolean littleEndian) { }

  private static final List<Seed> SEEDS = seedImages();
  private static long largestAllocation;

  @BeforeContainer
  static void warmUp() {
    // class loading and plugin registration are not the probe's allocation: done once before measuring
    for (int i = 0; i < 3; i++) {
      for (Seed s : SEEDS) {
        try {
          PROBE.probe(s.bytes());
        } catch (ImageRejectedException e) {
          // TIFF and PPM until they are supported
        }
      }
    }
  }

  @AfterContainer
  static void report() {
    System.out.println("largest allocation of one probe: " + largestAllocation + " bytes");
  }

  @Example
  void everySupportedFormatHasASeed() {
    Set<ImageFormat> seeded = EnumSet.noneOf(ImageFormat.class);
    for (Seed s : SEEDS) ImageFormat.sniff(s.bytes()).ifPresent(seeded::add);
    for (ImageFormat f : ImageFormat.values()) if (f.supported()) assertThat(seeded).as("a seed image for " + f).contains(f);
  }

  @Example
  void theSeedsThemselvesAreAccepted() {
    for (Seed s : SEEDS) {
      boolean supported = ImageFormat.sniff(s.bytes()).map(ImageFormat::supported).orElse(false);
      if (!supported) continue; // TIFF and PPM seeds wait for those formats to be supported
      ImageInfo info = PROBE.probe(s.bytes());
      assertThat(info.getWidth()).as(s.name()).isEqualTo(37);
      assertThat(info.getHeight()).as(s.name()).isEqualTo(23);
    }
  }

  @Property(tries = 400)
  void flippedHeaderBytesAreAcceptedWithinLimitsOrRejectedWithAType(
      @ForAll("seeds") Seed seed, @ForAll("flips") List<Tuple.Tuple2<Integer, Byte>> flips) {
    byte[] data = seed.bytes().clone();
    for (Tuple.Tuple2<Integer, Byte> f : flips) data[f.get1() % Math.min(data.length, 96)] = f.get2();
    check(data);
  }

  @Property(tries = 400)
  void anyDeclaredDimensionIsAcceptedWithinLimitsOrRejectedWithAType(
      @ForAll("seeds") Seed seed, @ForAll int value, @ForAll("indexes") int which) {
    if (seed.dimensions().isEmpty()) return;
    byte[] data = seed.bytes().clone();
    write(data, seed.dimensions().get(which % seed.dimensions().size()), value);
    check(data);
  }

  @Property(tries = 200)
  void cutOrExtendedImagesAreAcceptedWithinLimitsOrRejectedWithAType(
      @ForAll("seeds") Seed seed, @ForAll("indexes") int cut, @ForAll("tails") byte[] tail) {
    byte[] head = Arrays.copyOf(seed.bytes(), cut % (seed.bytes().length + 1));
    byte[] data = Arrays.copyOf(head, head.length + tail.length);
    System.arraycopy(tail, 0, data, head.length, tail.length);
    check(data);
  }

  @Property(tries = 300)
  void randomBytesBehindASignatureAreRejectedWithATypeOrWithinLimits(@ForAll("seeds") Seed seed, @ForAll("tails") byte[] rest) {
    int signature = seed.name().startsWith("webp") ? 16 : 8; // RIFF....WEBPVP8x, or the first 8 bytes of the others
    byte[] data = Arrays.copyOf(seed.bytes(), signature + rest.length);
    System.arraycopy(rest, 0, data, signature, rest.length);
    check(data);
  }

  @Property(tries = 200)
  void anyPortablePixmapHeaderIsRejectedWithATypeOrWithinLimits(
      @ForAll("pnmMagic") String magic, @ForAll long width, @ForAll long height, @ForAll("tails") byte[] pixels) {
    byte[] header = (magic + "\n" + width + " " + height + "\n255\n").getBytes(StandardCharsets.US_ASCII);
    byte[] data = Arrays.copyOf(header, header.length + pixels.length);
    System.arraycopy(pixels, 0, data, header.length, pixels.length);
    check(data);
  }

  /**
   * The property: an accepted image is within the limits, anything else is a typed rejection (any
   * other throwable, an OutOfMemoryError included, escapes and fails the property); and the probe
   * itself (measured around the call only) allocated within the bound.
   */
  private static void check(byte[] data) {
    ImageInfo info = null;
    ImageRejectedException rejected = null;
    long before = THREADS.getCurrentThreadAllocatedBytes();
    try {
      info = PROBE.probe(data);
    } catch (ImageRejectedException e) {
      rejected = e;
    }
    long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
    largestAllocation = Math.max(largestAllocation, allocated);
    if (rejected != null) {
      assertThat(rejected.type()).as("rejection reason").isNotNull();
    } else {
      assertThat(info.getWidth()).isBetween(1, LIMITS.maxSide());
      assertThat(info.getHeight()).isBetween(1, LIMITS.maxSide());
      assertThat((long) info.getWidth() * info.getHeight()).isLessThanOrEqualTo(LIMITS.maxPixels());
    }
    assertThat(allocated).as("bytes allocated probing %d bytes", data.length).isLessThan(ALLOCATION_BOUND + 4L * data.length);
  }

  @Provide
  Arbitrary<Seed> seeds() { return Arbitraries.of(SEEDS); }

  @Provide
  Arbitrary<List<Tuple.Tuple2<Integer, Byte>>> flips() {
    return Combinators.combine(Arbitraries.integers().between(0, 95), Arbitraries.bytes()).as(Tuple::of).list().ofMinSize(1).ofMaxSize(6);
  }

  @Provide
  Arbitrary<Integer> indexes() { return Arbitraries.integers().between(0, 1 << 16); }

  @Provide
  Arbitrary<byte[]> tails() { return Arbitraries.bytes().array(byte[].class).ofMaxSize(300); }

  @Provide
  Arbitrary<String> pnmMagic() { return Arbitraries.of("P1", "P2", "P3", "P4", "P5", "P6", "P7"); }

  private static void write(byte[] data, Field f, int value) {
    for (int i = 0; i < f.size(); i++) {
      int shift = 8 * (f.littleEndian() ? i : f.size() - 1 - i);
      data[f.offset() + i] = (byte) (value >>> shift);
    }
  }

  private static List<Seed> seedImages() {
    List<Seed> seeds = new ArrayList<>();
    seeds.add(new Seed("png", encode("png"), List.of(new Field(16, 4, false), new Field(20, 4, false))));
    seeds.add(new Seed("gif", encode("gif"), List.of(new Field(6, 2, true), new Field(8, 2, true))));
    seeds.add(new Seed("bmp", encode("bmp"), List.of(new Field(18, 4, true), new Field(22, 4, true))));
    byte[] jpeg = encode("jpeg");
    int sof = startOfFrame(jpeg);
    seeds.add(new Seed("jpeg", jpeg, List.of(new Field(sof + 5, 2, false), new Field(sof + 7, 2, false), new Field(sof + 9, 1, false))));
    // 37x23 WebPs written by Pillow 9.4 (no WebP writer in the JDK): lossless VP8L and lossy VP8
    seeds.add(new Seed("webp-lossless", Base64.getDecoder().decode("UklGRh4AAABXRUJQVlA4TBEAAAAvJIAFAAdQsiJXpv+BiOh/AAA="),
        List.of(new Field(21, 4, true), new Field(4, 4, true), new Field(16, 4, true))));
    seeds.add(new Seed("webp-lossy", Base64.getDecoder().decode(
        "UklGRkYAAABXRUJQVlA4IDoAAABwAwCdASolABcAPm02l0ikIyIhJWgAgA2JZwB2APwAAFfvhuAA/q4X//5BcsLrka//+cSogk3mAAAA"),
        List.of(new Field(26, 2, true), new Field(28, 2, true), new Field(4, 4, true), new Field(16, 4, true))));
    byte[] tiff = encode("tiff");
    seeds.add(new Seed("tiff", tiff, List.of(new Field(4, 4, tiff[0] == 'I'))));
    seeds.add(new Seed("ppm", pnm("P6", 3), List.of()));
    seeds.add(new Seed("pgm", pnm("P5", 1), List.of()));
    return seeds;
  }

  private static byte[] encode(String format) {
    BufferedImage img = new BufferedImage(37, 23, BufferedImage.TYPE_3BYTE_BGR);
    for (int y = 0; y < 23; y++) for (int x = 0; x < 37; x++) img.setRGB(x, y, (x * 7) << 16 | (y * 11) << 8 | (x ^ y));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) throw new IllegalStateException("no ImageIO writer for " + format);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] pnm(String magic, int channels) {
    byte[] header = (magic + "\n37 23\n255\n").getBytes(StandardCharsets.US_ASCII);
    byte[] data = Arrays.copyOf(header, header.length + 37 * 23 * channels);
    for (int i = header.length; i < data.length; i++) data[i] = (byte) i;
    return data;
  }

  /** Offset of the JPEG's SOF0/SOF2 marker (the frame header with the dimensions). */
  private static int startOfFrame(byte[] jpeg) {
    for (int i = 2; i + 1 < jpeg.length; i++) {
      if ((jpeg[i] & 0xFF) == 0xFF && ((jpeg[i + 1] & 0xFF) == 0xC0 || (jpeg[i + 1] & 0xFF) == 0xC2)) return i;
    }
    throw new IllegalStateException("no start-of-frame marker in the seed JPEG");
  }
}
