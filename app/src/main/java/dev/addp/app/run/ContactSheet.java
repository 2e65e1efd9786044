package dev.addp.app.run;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

/** A grid of images with an optional caption under each, saved as one PNG. */
public final class ContactSheet {
  /** One cell: the image and a caption (may be empty) in the given colour. */
  public record Cell(BufferedImage image, String caption, Color color) { }

  private ContactSheet() { }

  /** A cell without caption from encoded image bytes (PNG, JPEG, ...). */
  public static Cell uncaptioned(byte[] encoded) {
    try {
      return new Cell(ImageIO.read(new java.io.ByteArrayInputStream(encoded)), "", Color.WHITE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode an image for the contact sheet", e);
    }
  }

  public static void write(List<Cell> cells, int columns, int scale, Path file) {
    boolean captions = cells.stream().anyMatch(c -> !c.caption().isEmpty());
    int cw = cells.get(0).image().getWidth() * scale;
    int ch = cells.get(0).image().getHeight() * scale;
    int captionHeight = captions ? 14 : 0;
    int rows = (cells.size() + columns - 1) / columns;
    int pad = 2;
    BufferedImage sheet = new BufferedImage(columns * (cw + pad) + pad, rows * (ch + captionHeight + pad) + pad, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = sheet.createGraphics();
    g.setColor(Color.DARK_GRAY);
    g.fillRect(0, 0, sheet.getWidth(), sheet.getHeight());
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
    for (int i = 0; i < cells.size(); i++) {
      int x = pad + (i % columns) * (cw + pad);
      int y = pad + (i / columns) * (ch + captionHeight + pad);
      g.drawImage(cells.get(i).image(), x, y, cw, ch, null);
      if (captions) {
        g.setColor(cells.get(i).color());
        g.drawString(cells.get(i).caption(), x + 1, y + ch + 11);
      }
    }
    g.dispose();
    try {
      ImageIO.write(sheet, "png", file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }
}
