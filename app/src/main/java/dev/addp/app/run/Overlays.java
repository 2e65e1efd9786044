package dev.addp.app.run;

import dev.addp.avro.Box;
import dev.addp.avro.Mask;
import dev.addp.avro.RecognitionResult;
import dev.addp.schemas.coco.CocoRle;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A grid of images with what came back drawn on them: the per-class masks tinted in their class's
 * colour, the boxes scoring at least a minimum (see {@link #minDrawnScore}) outlined in it with "label score"
 * above. One colour per class id.
 */
public final class Overlays {
  /** One image and its result. */
  public record Item(BufferedImage image, RecognitionResult result) { }

  private static final Color[] PALETTE = {
      new Color(0xE6194B), new Color(0x3CB44B), new Color(0xFFE119), new Color(0x4363D8), new Color(0xF58231),
      new Color(0x911EB4), new Color(0x46F0F0), new Color(0xF032E6), new Color(0xBCF60C), new Color(0xFABEBE)};
  private static final float TINT = 0.45f;
  /**
   * Boxes drawn: the results keep every peak above the manifest's minimum score (low, for AP), and
   * drawing all of them hides the confident ones; the picture shows those scoring at least this.
   */
  static final float DEFAULT_MIN_DRAWN_SCORE = 0.3f;

  /**
   * The least score of a box outlined: with a refine stage, the model's own paint threshold (its
   * refined scores, peak × class probability, run lower than peaks, and the boxes that painted
   * masks are the ones to show), else {@link #DEFAULT_MIN_DRAWN_SCORE}.
   */
  public static float minDrawnScore(dev.addp.workers.model.RecognitionSpec.Refine refine) {
    return refine != null && refine.paintMinScore() != null ? refine.paintMinScore().floatValue() : DEFAULT_MIN_DRAWN_SCORE;
  }

  private Overlays() { }

  public static Color colour(int classId) { return PALETTE[Math.floorMod(classId, PALETTE.length)]; }

  public static void write(List<Item> items, int columns, int scale, float minScore, Path file) {
    int cw = items.get(0).image().getWidth() * scale;
    int ch = items.get(0).image().getHeight() * scale;
    int pad = 4;
    int rows = (items.size() + columns - 1) / columns;
    BufferedImage sheet = new BufferedImage(columns * (cw + pad) + pad, rows * (ch + pad) + pad, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    g.setColor(Color.DARK_GRAY);
    g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
    for (int i = 0; i < items.size(); i++) {
      BufferedImage cell = draw(items.get(i), scale, minScore);
      g.drawImage(cell, pad + (i % columns) * (cw + pad), pad + (i / columns) * (ch + pad), null);
    }
    g.dispose();
    try {
      ImageIO.write(sheet, "png", file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /** One image scaled up by {@code scale} (nearest neighbour) with its masks and boxes. */
  static BufferedImage draw(Item item, int scale, float minScore) {
    BufferedImage src = item.image();
    int w = src.getWidth();
    int h = src.getHeight();
    BufferedImage tinted = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) tinted.setRGB(x, y, src.getRGB(x, y));
    RecognitionResult r = item.result();
    if (r != null) {
      for (Mask m : r.getMasks()) {
        if (m.getBoxIndex() != -1 || m.getWidth() != w || m.getHeight() != h) continue;
        boolean[] px = CocoRle.decode(m.getCounts(), h, w);
        Color c = colour(m.getLabelId());
        for (int p = 0; p < px.length; p++) if (px[p]) tinted.setRGB(p % w, p / w, blend(tinted.getRGB(p % w, p / w), c));
      }
    }
    BufferedImage out = new BufferedImage(w * scale, h * scale, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    g.drawImage(tinted, 0, 0, w * scale, h * scale, null);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 10));
    g.setStroke(new BasicStroke(1.5f));
    if (r != null) {
      for (Box b : r.getBoxes()) {
        if (b.getScore() < minScore) continue;
        Color c = colour(b.getLabelId());
        int bx = Math.round(b.getX() * scale);
        int by = Math.round(b.getY() * scale);
        g.setColor(c);
        g.drawRect(bx, by, Math.round(b.getWidth() * scale), Math.round(b.getHeight() * scale));
        String text = String.format(Locale.ROOT, "%s %.2f", b.getLabel(), b.getScore());
        int tw = g.getFontMetrics().stringWidth(text);
        int ty = Math.max(0, by - 12);
        g.fillRect(bx, ty, tw + 4, 12);
        g.setColor(Color.BLACK);
        g.drawString(text, bx + 2, ty + 10);
      }
    }
    g.dispose();
    return out;
  }

  private static int blend(int rgb, Color c) {
    int r = (int) (((rgb >> 16) & 0xFF) * (1 - TINT) + c.getRed() * TINT);
    int gr = (int) (((rgb >> 8) & 0xFF) * (1 - TINT) + c.getGreen() * TINT);
    int b = (int) ((rgb & 0xFF) * (1 - TINT) + c.getBlue() * TINT);
    return r << 16 | gr << 8 | b;
  }
}
