package dev.addp.app.run;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * The before/after sheet of an edit: the source as the model saw it with the regenerated token
 * cells outlined, then every result, all at the same enlarged size.
 */
public final class EditSheet {
  private static final int SCALE = 4;

  private EditSheet() { }

  /**
   * @param sourcePng the model-sized source (a result's {@code source_png})
   * @param region    regenerated token positions, row-major on a {@code grid × grid} grid
   */
  public static void write(byte[] sourcePng, Collection<Integer> region, int grid, List<byte[]> resultPngs, Path file) {
    List<ContactSheet.Cell> cells = new ArrayList<>();
    cells.add(new ContactSheet.Cell(outlined(enlarge(read(sourcePng)), new HashSet<>(region), grid), "source", Color.ORANGE));
    for (int i = 0; i < resultPngs.size(); i++) cells.add(new ContactSheet.Cell(enlarge(read(resultPngs.get(i))), "#" + i, Color.WHITE));
    ContactSheet.write(cells, Math.min(cells.size(), 9), 1, file);
  }

  /** Draws the border of the region (edges between a region cell and a cell outside it, or the image edge). */
  static BufferedImage outlined(BufferedImage image, Set<Integer> region, int grid) {
    Graphics2D g = image.createGraphics();
    g.setColor(Color.RED);
    double cw = image.getWidth() / (double) grid;
    double ch = image.getHeight() / (double) grid;
    for (int p : region) {
      int r = p / grid;
      int c = p % grid;
      int x0 = (int) Math.round(c * cw);
      int x1 = (int) Math.round((c + 1) * cw) - 1;
      int y0 = (int) Math.round(r * ch);
      int y1 = (int) Math.round((r + 1) * ch) - 1;
      if (r == 0 || !region.contains(p - grid)) g.drawLine(x0, y0, x1, y0);
      if (r == grid - 1 || !region.contains(p + grid)) g.drawLine(x0, y1, x1, y1);
      if (c == 0 || !region.contains(p - 1)) g.drawLine(x0, y0, x0, y1);
      if (c == grid - 1 || !region.contains(p + 1)) g.drawLine(x1, y0, x1, y1);
    }
    g.dispose();
    return image;
  }

  private static BufferedImage enlarge(BufferedImage image) {
    BufferedImage out = new BufferedImage(image.getWidth() * SCALE, image.getHeight() * SCALE, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
    g.drawImage(image, 0, 0, out.getWidth(), out.getHeight(), null);
    g.dispose();
    return out;
  }

  private static BufferedImage read(byte[] png) {
    try {
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      if (image == null) throw new IOException("not an image");
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot decode an image of the edit sheet", e);
    }
  }
}
