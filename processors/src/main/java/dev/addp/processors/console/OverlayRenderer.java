package dev.addp.processors.console;

import dev.addp.avro.Box;
import dev.addp.avro.Classification;
import dev.addp.avro.Mask;
import dev.addp.avro.RecognitionResult;
import dev.addp.platform.image.ImageLimits;
import dev.addp.platform.image.ImageProbe;
import dev.addp.schemas.coco.CocoRle;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/**
 * A recognition result drawn over its image, as a PNG: masks tinted, boxes outlined with label and
 * score, and the top label in a band at the bottom. Small images are enlarged by a whole factor
 * (nearest neighbour) so the drawing stays legible.
 */
final class OverlayRenderer {
  private static final int TARGET_SIDE = 192;
  private static final Color[] PALETTE = {new Color(0xe6194b), new Color(0x3cb44b), new Color(0x4363d8), new Color(0xf58231),
      new Color(0x911eb4), new Color(0x46f0f0), new Color(0xf032e6), new Color(0xbcf60c), new Color(0xfabebe), new Color(0x008080)};

  private OverlayRenderer() { }

  /** The same limits as the workers', and a whole-number subsampling that keeps the decoded side near the overlay's. */
  static byte[] render(byte[] imageBytes, RecognitionResult result) { return render(PROBE, imageBytes, result); }

  private static final ImageProbe PROBE = new ImageProbe(ImageLimits.DEFAULT);

  /**
   * The overlay, or null when the image is refused by the limits or does not decode. Only every
   * n-th pixel is decoded (n from the header's size), so a 40 MP image costs about as much as a
   * thumbnail.
   */
  static byte[] render(ImageProbe probe, byte[] imageBytes, RecognitionResult result) {
    BufferedImage src;
    int w0;
    int h0;
    try (ImageProbe.OpenedImage image = probe.open(imageBytes)) {
      w0 = image.info().getWidth();
      h0 = image.info().getHeight();
      int step = Math.max(1, Math.max(w0, h0) / (2 * TARGET_SIDE));
      src = image.readUprightSubsampled(step);
    } catch (IOException | RuntimeException refusedOrCorrupt) {
      return null;
    }
    if (src == null) return null;
    double scale = Math.max(w0, h0) >= TARGET_SIDE ? (double) TARGET_SIDE / Math.max(w0, h0)
        : Math.max(1, TARGET_SIDE / Math.max(w0, h0));
    int w = (int) Math.round(w0 * scale);
    int h = (int) Math.round(h0 * scale);
    int band = 22;
    BufferedImage out = new BufferedImage(w, h + band, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, scale >= 1 ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR
          : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.drawImage(src, 0, 0, w, h, null);
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
      for (Mask m : result.getMasks()) drawMask(g, m, w, h);
      for (Box b : result.getBoxes()) drawBox(g, b, scale);
      g.setColor(new Color(20, 20, 20));
      g.fillRect(0, h, w, band);
      if (!result.getClassifications().isEmpty()) {
        Classification top = result.getClassifications().get(0);
        g.setColor(Color.WHITE);
        g.drawString(String.format("%s %.2f", top.getLabel(), top.getScore()), 4, h + 16);
      }
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    try {
      ImageIO.write(out, "png", png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return png.toByteArray();
  }

  private static void drawBox(Graphics2D g, Box b, double scale) {
    Color c = PALETTE[Math.floorMod(b.getLabelId(), PALETTE.length)];
    int x = (int) Math.round(b.getX() * scale);
    int y = (int) Math.round(b.getY() * scale);
    g.setColor(c);
    g.setStroke(new BasicStroke(2));
    g.drawRect(x, y, (int) Math.round(b.getWidth() * scale), (int) Math.round(b.getHeight() * scale));
    String text = String.format("%s %.2f", b.getLabel(), b.getScore());
    int tw = g.getFontMetrics().stringWidth(text) + 6;
    int ty = Math.max(0, y - 16);
    g.fillRect(x, ty, tw, 16);
    g.setColor(Color.WHITE);
    g.drawString(text, x + 3, ty + 12);
  }

  /** The mask (in its own resolution) stretched over the drawn image, tinted at 45%. */
  private static void drawMask(Graphics2D g, Mask m, int w, int h) {
    boolean[] mask;
    try {
      mask = CocoRle.decode(m.getCounts(), m.getHeight(), m.getWidth());
    } catch (RuntimeException e) {
      return; // a mask that does not decode is shown as labels only
    }
    Color c = PALETTE[Math.floorMod(m.getLabelId(), PALETTE.length)];
    BufferedImage tint = new BufferedImage(m.getWidth(), m.getHeight(), BufferedImage.TYPE_INT_ARGB);
    int argb = (115 << 24) | (c.getRGB() & 0xffffff);
    for (int y = 0; y < m.getHeight(); y++) for (int x = 0; x < m.getWidth(); x++) if (mask[y * m.getWidth() + x]) tint.setRGB(x, y, argb);
    g.drawImage(tint, 0, 0, w, h, null);
  }
}
