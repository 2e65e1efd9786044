package dev.addp.processors.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.avro.Box;
import dev.addp.avro.Classification;
import dev.addp.avro.ImageInfo;
import dev.addp.avro.Mask;
import dev.addp.avro.ModelRef;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.RecognitionTimings;
import dev.addp.schemas.coco.CocoRle;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** A result drawn over its image: enlarged by a whole factor, the mask tinted, the box outlined, a label band below. */
class OverlayRendererTest {

  @Test
  void drawsMaskBoxAndLabelOverTheEnlargedImage() throws Exception {
    BufferedImage black = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(black, "png", png);
    boolean[] mask = new boolean[28 * 28];
    for (int y = 0; y < 14; y++) for (int x = 0; x < 14; x++) mask[y * 28 + x] = true; // top-left quarter
    RecognitionResult r = RecognitionResult.newBuilder().setRequestId("r").setModel(new ModelRef("m", "1", "s"))
        .setImage(ImageInfo.newBuilder().setFormat("png").setWidth(28).setHeight(28).setBytes(png.size()).build())
        .setClassifications(List.of(new Classification(3, "Dress", 0.9f)))
        .setBoxes(List.of(new Box(1, "Trouser", 0.8f, 16f, 16f, 10f, 10f)))
        .setMasks(List.of(Mask.newBuilder().setLabelId(1).setLabel("Trouser").setScore(0.8f).setHeight(28).setWidth(28)
            .setCounts(CocoRle.encode(mask, 28, 28)).build()))
        .setTimings(new RecognitionTimings(0.0, 0.0, 0.0, 1)).setWorkerId("w").setAttributes(Map.of()).setProducedAtMs(0).build();
    BufferedImage out = ImageIO.read(new ByteArrayInputStream(OverlayRenderer.render(png.toByteArray(), r)));
    int scale = 192 / 28;
    assertThat(out.getWidth()).isEqualTo(28 * scale);
    assertThat(out.getHeight()).isEqualTo(28 * scale + 22);
    Color inMask = new Color(out.getRGB(5 * scale, 5 * scale));
    Color outside = new Color(out.getRGB(24 * scale, 5 * scale));
    assertThat(inMask.getRed() + inMask.getGreen() + inMask.getBlue()).as("tinted").isGreaterThan(60);
    assertThat(outside.getRed() + outside.getGreen() + outside.getBlue()).as("untouched black").isZero();
    Color boxEdge = new Color(out.getRGB(16 * scale + 5, (16 + 10) * scale));
    assertThat(boxEdge.getRed() + boxEdge.getGreen() + boxEdge.getBlue()).as("box outline").isGreaterThan(60);
  }

  @Test
  void bytesThatAreNoImageGiveNoOverlay() {
    RecognitionResult r = RecognitionResult.newBuilder().setRequestId("r").setModel(new ModelRef("m", "1", "s"))
        .setImage(ImageInfo.newBuilder().setFormat("png").setWidth(1).setHeight(1).setBytes(3).build())
        .setTimings(new RecognitionTimings(0.0, 0.0, 0.0, 1)).setWorkerId("w").setProducedAtMs(0).build();
    assertThat(OverlayRenderer.render(new byte[] {1, 2, 3}, r)).isNull();
  }

  @Test
  void largeImagesAreDecodedSubsampledAndImagesOverTheLimitsGiveNoOverlay() throws Exception {
    BufferedImage big = new BufferedImage(3000, 2000, BufferedImage.TYPE_BYTE_GRAY);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(big, "png", png);
    RecognitionResult r = RecognitionResult.newBuilder().setRequestId("r").setModel(new ModelRef("m", "1", "s"))
        .setImage(ImageInfo.newBuilder().setFormat("png").setWidth(3000).setHeight(2000).setBytes(png.size()).build())
        .setBoxes(List.of(new Box(1, "Trouser", 0.8f, 1500f, 1000f, 300f, 300f)))
        .setTimings(new RecognitionTimings(0.0, 0.0, 0.0, 1)).setWorkerId("w").setAttributes(Map.of()).setProducedAtMs(0).build();
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    OverlayRenderer.render(png.toByteArray(), r); // warm the PNG reader and writer
    long before = threads.getCurrentThreadAllocatedBytes();
    BufferedImage out = ImageIO.read(new ByteArrayInputStream(OverlayRenderer.render(png.toByteArray(), r)));
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(out.getWidth()).isEqualTo(192);
    // a full decode holds 6,000,000 pixels; every 7th pixel of every 7th row is about 1/49 of it
    assertThat(allocated).as("bytes allocated to draw the overlay").isLessThan(3_000_000);

    dev.addp.platform.image.ImageProbe strict = new dev.addp.platform.image.ImageProbe(
        new dev.addp.platform.image.ImageLimits(10_000_000, 1_000_000, 4096));
    assertThat(OverlayRenderer.render(strict, png.toByteArray(), r)).as("over the pixel limit").isNull();
  }
}
