package dev.addp.workers.generation.edit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.addp.avro.EditSource;
import dev.addp.avro.ErrorType;
import dev.addp.avro.RegionMask;
import dev.addp.platform.image.ImageLimits;
import dev.addp.platform.image.ImageProbe;
import dev.addp.platform.image.ImageSource;
import dev.addp.schemas.coco.CocoRle;
import dev.addp.workers.generation.ImagePng;
import dev.addp.workers.generation.jobs.InvalidJobException;
import dev.addp.workers.generation.jobs.ResolvedEdit;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.ImageDecoder;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An edit's source goes through the recognition input's reading, limits and typed refusals; its region through the region rule. */
class EditSourcesTest {
  private static ModelManifest manifest;
  private static ImageTokenizer tokenizer;
  private static byte[] png;

  @TempDir static Path root;

  @BeforeAll
  static void open() throws Exception {
    manifest = ModelManifest.read(ZooFixtures.modelDir());
    tokenizer = new ImageTokenizer(ZooFixtures.modelDir(), manifest, Device.CPU, 1);
    float[] pixels = ZooFixtures.floats(ZooFixtures.modelDir().resolve("golden/tokenize/pixels.in.bin"));
    png = ImagePng.encode(Arrays.copyOf(pixels, 3 * 32 * 32), new int[] {3, 32, 32});
    Files.write(root.resolve("src.png"), png);
  }

  @AfterAll
  static void close() throws Exception { tokenizer.close(); }

  private static EditSources sources(long maxBytes) {
    return new EditSources(new ImageSource(List.of(root), maxBytes), new ImageDecoder(new ImageProbe(new ImageLimits(maxBytes, 1_000_000, 4096)),
        new dev.addp.platform.image.PixelBudget(1_000_000)),
        manifest, tokenizer);
  }

  private static EditSource.Builder inline() {
    return EditSource.newBuilder().setImageBytes(ByteBuffer.wrap(png)).setBox(List.of(8f, 8f, 16f, 16f));
  }

  @Test
  void inlineAndFileSourcesGiveTheSameTokensAndTheModelSizedSource() throws Exception {
    ResolvedEdit a = sources(1 << 20).resolve(inline().build());
    ResolvedEdit b = sources(1 << 20).resolve(EditSource.newBuilder().setImageUri(root.resolve("src.png").toUri().toString())
        .setBox(List.of(8f, 8f, 16f, 16f)).build());
    assertThat(a.sourceIds()).hasSize(64).containsExactly(b.sourceIds());
    assertThat(a.region()).containsExactly(b.region());
    // a 32×32 source is resized to 28 and padded: box 8..24 → canvas 9..23 → cells 2..5
    assertThat(a.regionPositions()).hasSize(16).contains(18, 45).doesNotContain(17, 46);
    var source = ImageIO.read(new ByteArrayInputStream(a.sourcePng()));
    assertThat(source.getWidth()).isEqualTo(32);
    assertThat(source.getHeight()).isEqualTo(32);
  }

  @Test
  void aMaskAddsItsCellsToTheBox() {
    boolean[] mask = new boolean[32 * 32];
    mask[31 * 32 + 31] = true; // bottom-right source pixel → canvas (29.6, 29.6) → the last cell
    ResolvedEdit e = sources(1 << 20).resolve(inline().setMask(new RegionMask(32, 32, CocoRle.encode(mask, 32, 32))).build());
    assertThat(e.regionPositions()).hasSize(17).contains(63);
  }

  @Test
  void refusalsCarryTheirTypedReason() {
    EditSources s = sources(1 << 20);
    assertType(() -> s.resolve(EditSource.newBuilder().setImageUri("file:///etc/passwd").setBox(List.of(0f, 0f, 1f, 1f)).build()),
        ErrorType.IMAGE_URI_UNREADABLE);
    assertType(() -> s.resolve(inline().setImageBytes(ByteBuffer.wrap(Arrays.copyOf(png, 60))).build()), ErrorType.TRUNCATED_IMAGE,
        ErrorType.CORRUPT_IMAGE);
    assertType(() -> s.resolve(inline().setImageBytes(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9})).build()), ErrorType.UNKNOWN_FORMAT);
    assertType(() -> sources(100).resolve(inline().build()), ErrorType.IMAGE_TOO_LARGE);
    assertType(() -> s.resolve(inline().setImageUri(root.resolve("src.png").toUri().toString()).build()), ErrorType.INVALID_REQUEST);
    assertType(() -> s.resolve(inline().setBox(null).build()), ErrorType.INVALID_REQUEST);
    assertType(() -> s.resolve(inline().setBox(List.of(1f, 1f, 0f, 5f)).build()), ErrorType.INVALID_REQUEST);
    assertType(() -> s.resolve(inline().setBox(List.of(1f, 1f, 5f)).build()), ErrorType.INVALID_REQUEST);
    assertType(() -> s.resolve(inline().setBox(List.of(Float.NaN, 1f, 5f, 5f)).build()), ErrorType.INVALID_REQUEST);
    assertType(() -> s.resolve(inline().setMask(new RegionMask(28, 28, CocoRle.encode(new boolean[28 * 28], 28, 28))).build()),
        ErrorType.INVALID_REQUEST);
    assertType(() -> s.resolve(inline().setMask(new RegionMask(32, 32, "0;")).build()), ErrorType.INVALID_REQUEST);
  }

  private static void assertType(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorType... types) {
    assertThatThrownBy(call).isInstanceOfSatisfying(InvalidJobException.class, e -> assertThat(e.type()).isIn((Object[]) types));
  }
}
