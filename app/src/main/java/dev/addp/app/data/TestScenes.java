package dev.addp.app.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.addp.schemas.coco.CocoRle;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * The committed dense test scenes (models/zoo/scenes-test): RGB images [N][H][W][3], the semantic
 * map [N][H][W] (0 background, 1 + c class c) and the COCO instances ground truth.
 */
public record TestScenes(int count, int height, int width, byte[] rgb, byte[] semantic, List<List<GroundTruth>> boxes,
                         List<String> categories) {
  public static final Path DEFAULT_DIR = Path.of("models/zoo/scenes-test");

  /** One annotated object: 0-based class and its COCO [x, y, w, h] box. */
  public record GroundTruth(int classId, double[] bbox, boolean crowd) { }

  public static boolean present(Path dir) { return Files.isRegularFile(dir.resolve("instances.json")); }

  public static TestScenes read(Path dir) {
    IdxArray images = IdxArray.read(dir.resolve("images.idx.gz"));
    IdxArray semantic = IdxArray.read(dir.resolve("semantic.idx.gz"));
    if (images.dims().length != 4 || images.dims()[3] != 3) throw new IllegalArgumentException("images.idx.gz is not [N, H, W, 3]");
    int n = images.count();
    int h = images.dims()[1];
    int w = images.dims()[2];
    if (semantic.count() != n || semantic.itemSize() != h * w) throw new IllegalArgumentException("semantic.idx.gz does not match images.idx.gz");
    try {
      JsonNode coco = new ObjectMapper().readTree(dir.resolve("instances.json").toFile());
      List<String> categories = new ArrayList<>();
      for (JsonNode c : coco.get("categories")) {
        int id = c.get("id").asInt();
        while (categories.size() < id) categories.add(null);
        categories.set(id - 1, c.get("name").asText());
      }
      List<List<GroundTruth>> boxes = new ArrayList<>();
      for (int i = 0; i < n; i++) boxes.add(new ArrayList<>());
      for (JsonNode a : coco.get("annotations")) {
        JsonNode b = a.get("bbox");
        boxes.get(a.get("image_id").asInt() - 1).add(new GroundTruth(a.get("category_id").asInt() - 1,
            new double[] {b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble()},
            a.path("iscrowd").asInt(0) != 0));
      }
      return new TestScenes(n, h, w, images.data(), semantic.data(), boxes, categories);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir.resolve("instances.json") + ": " + e.getMessage(), e);
    }
  }

  public BufferedImage image(int i) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    int base = i * height * width * 3;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int p = base + (y * width + x) * 3;
        img.setRGB(x, y, (rgb[p] & 0xFF) << 16 | (rgb[p + 1] & 0xFF) << 8 | (rgb[p + 2] & 0xFF));
      }
    }
    return img;
  }

  public byte[] png(int i) {
    try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
      ImageIO.write(image(i), "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Image i's semantic ground truth, row-major. */
  public int[] semantic(int i) {
    int[] map = new int[height * width];
    for (int p = 0; p < map.length; p++) map[p] = semantic[i * height * width + p] & 0xFF;
    return map;
  }

  /** Checks an annotation's RLE against the semantic map (used by tests of the committed files). */
  public static boolean[] rle(JsonNode segmentation) {
    JsonNode size = segmentation.get("size");
    return CocoRle.decode(segmentation.get("counts").asText(), size.get(0).asInt(), size.get(1).asInt());
  }
}
