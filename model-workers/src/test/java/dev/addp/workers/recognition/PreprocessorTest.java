package dev.addp.workers.recognition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.addp.workers.model.PreprocessSpec;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class PreprocessorTest {
  private final Preprocessor pad = new Preprocessor(new PreprocessSpec("pad", 28, 32, 0.0, "bilinear", "rgb"));

  @Test
  void greyImagesKeepTheirRawValuesAndArePaddedToTheCentre() {
    BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setSample(0, 0, 0, 128);
    img.getRaster().setSample(27, 27, 0, 255);
    float[] out = new float[pad.inputLength()];
    pad.write(img, out, 0);
    int plane = 32 * 32;
    for (int c = 0; c < 3; c++) {
      assertThat(out[c * plane + 2 * 32 + 2]).isCloseTo(128 / 255f, within(1e-6f)); // getRGB would give ~0.73 (gamma)
      assertThat(out[c * plane + 29 * 32 + 29]).isEqualTo(1f);
      assertThat(out[c * plane]).isZero();
    }
  }

  @Test
  void largerImagesAreScaledSoTheLongerSideFitsTheContentBox() {
    BufferedImage img = new BufferedImage(56, 28, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 28; y++) for (int x = 0; x < 56; x++) img.setRGB(x, y, 0xFF0000);
    float[] out = new float[pad.inputLength()];
    pad.write(img, out, 0);
    // 56x28 -> 28x14, centred: rows 9..22 hold red, the rest is the fill value
    assertThat(out[16 * 32 + 16]).isEqualTo(1f);
    assertThat(out[32 * 32 + 16 * 32 + 16]).isZero();
    assertThat(out[5 * 32 + 16]).isZero();
  }

  @Test
  void resizeCenterCropCoversTheWholeCanvas() {
    Preprocessor crop = new Preprocessor(new PreprocessSpec("resize_center_crop", null, 16, null, "bilinear", "rgb"));
    BufferedImage img = new BufferedImage(40, 20, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 20; y++) for (int x = 0; x < 40; x++) img.setRGB(x, y, 0x00FF00);
    float[] out = new float[crop.inputLength()];
    crop.write(img, out, 0);
    for (int i = 0; i < 16 * 16; i++) assertThat(out[16 * 16 + i]).isEqualTo(1f);
  }

  @Test
  void modelSizedImagesAreWrittenAsTheyAreAndOtherSizesRefused() {
    BufferedImage img = new BufferedImage(32, 32, BufferedImage.TYPE_BYTE_GRAY);
    img.getRaster().setSample(0, 0, 0, 255);   // a corner pixel: write() would shrink it into the content box
    float[] out = new float[pad.inputLength()];
    pad.writeModelSized(img, out, 0);
    assertThat(out[0]).isEqualTo(1f);
    assertThat(out[32 * 32 + 1]).isZero();
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> pad.writeModelSized(new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY), out, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
