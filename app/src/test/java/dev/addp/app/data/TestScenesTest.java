package dev.addp.app.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.addp.schemas.coco.CocoRle;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The committed test scenes read in Java as the Python export wrote them: every ground-truth RLE
 * (written by the Python side) decodes with {@link CocoRle} to a mask of the annotation's area,
 * inside its box, on pixels the semantic map gives its class, and re-encodes to the same string.
 */
class TestScenesTest {
  private static Path dir() { return Path.of(System.getProperty("addp.scenes.dir", "../models/zoo/scenes-test")); }

  @Test
  void pythonsRlesDecodeToTheAnnotatedPixels() throws Exception {
    assumeTrue(TestScenes.present(dir()), "no test scenes at " + dir().toAbsolutePath());
    TestScenes scenes = TestScenes.read(dir());
    assertThat(scenes.count()).isGreaterThanOrEqualTo(1000);
    assertThat(scenes.categories()).hasSize(10);
    JsonNode coco = new ObjectMapper().readTree(dir().resolve("instances.json").toFile());
    int checked = 0;
    for (JsonNode a : coco.get("annotations")) {
      int image = a.get("image_id").asInt() - 1;
      JsonNode seg = a.get("segmentation");
      String counts = seg.get("counts").asText();
      int h = seg.get("size").get(0).asInt();
      int w = seg.get("size").get(1).asInt();
      boolean[] mask = CocoRle.decode(counts, h, w);
      assertThat(CocoRle.encode(mask, h, w)).isEqualTo(counts);
      assertThat(CocoRle.area(counts)).isEqualTo(a.get("area").asLong());
      int[] semantic = scenes.semantic(image);
      int x0 = w;
      int y0 = h;
      int x1 = -1;
      int y1 = -1;
      for (int p = 0; p < mask.length; p++) {
        if (!mask[p]) continue;
        assertThat(semantic[p]).isEqualTo(a.get("category_id").asInt());
        x0 = Math.min(x0, p % w);
        x1 = Math.max(x1, p % w);
        y0 = Math.min(y0, p / w);
        y1 = Math.max(y1, p / w);
      }
      JsonNode b = a.get("bbox");
      assertThat(new double[] {x0, y0, x1 - x0 + 1, y1 - y0 + 1})
          .containsExactly(b.get(0).asDouble(), b.get(1).asDouble(), b.get(2).asDouble(), b.get(3).asDouble());
      checked++;
    }
    assertThat(checked).isGreaterThanOrEqualTo(scenes.count());
  }
}
