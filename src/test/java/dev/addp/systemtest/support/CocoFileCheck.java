package dev.addp.systemtest.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a COCO instances file the way a labelling tool's importer would: field names and JSON
 * types, unique ids, every annotation's image and category present, bbox inside the image,
 * segmentation in compressed-RLE form. Returns the images' request ids in file order.
 */
public final class CocoFileCheck {
  private static final ObjectMapper JSON = new ObjectMapper();

  private CocoFileCheck() { }

  public static List<String> validate(Path file) throws IOException {
    JsonNode root = JSON.readTree(file.toFile());
    assertThat(root.isObject()).isTrue();
    for (String f : List.of("info", "licenses", "images", "annotations", "categories")) assertThat(root.has(f)).as("top-level " + f).isTrue();
    assertThat(root.get("info").isObject()).isTrue();

    Set<Long> categoryIds = new HashSet<>();
    for (JsonNode c : root.get("categories")) {
      assertThat(c.get("id").isIntegralNumber()).as("category id is an integer").isTrue();
      assertThat(c.get("name").isTextual()).isTrue();
      assertThat(c.get("supercategory").isTextual()).isTrue();
      assertThat(categoryIds.add(c.get("id").asLong())).as("category ids unique").isTrue();
    }
    assertThat(categoryIds).isNotEmpty();

    Set<Long> imageIds = new HashSet<>();
    java.util.Map<Long, int[]> sizes = new java.util.HashMap<>();
    List<String> requestIds = new ArrayList<>();
    for (JsonNode img : root.get("images")) {
      assertThat(img.get("id").isIntegralNumber()).isTrue();
      assertThat(img.get("file_name").isTextual()).isTrue();
      assertThat(img.get("width").isIntegralNumber() && img.get("width").asInt() > 0).as("width").isTrue();
      assertThat(img.get("height").isIntegralNumber() && img.get("height").asInt() > 0).as("height").isTrue();
      assertThat(img.get("request_id").isTextual()).isTrue();
      assertThat(imageIds.add(img.get("id").asLong())).as("image ids unique").isTrue();
      sizes.put(img.get("id").asLong(), new int[] {img.get("width").asInt(), img.get("height").asInt()});
      requestIds.add(img.get("request_id").asText());
      for (JsonNode c : img.get("addp_classifications")) {
        assertThat(categoryIds).as("classification category").contains(c.get("category_id").asLong());
        assertThat(c.get("score").isNumber()).isTrue();
        assertThat(c.get("label").isTextual()).isTrue();
      }
    }
    Set<Long> annotationIds = new HashSet<>();
    for (JsonNode a : root.get("annotations")) {
      assertThat(a.get("id").isIntegralNumber()).isTrue();
      assertThat(annotationIds.add(a.get("id").asLong())).as("annotation ids unique").isTrue();
      assertThat(imageIds).as("annotation's image exists").contains(a.get("image_id").asLong());
      assertThat(categoryIds).as("annotation's category exists").contains(a.get("category_id").asLong());
      JsonNode bbox = a.get("bbox");
      assertThat(bbox.isArray() && bbox.size() == 4).as("bbox [x,y,w,h]").isTrue();
      int[] wh = sizes.get(a.get("image_id").asLong());
      assertThat(bbox.get(0).asDouble() + bbox.get(2).asDouble()).isLessThanOrEqualTo(wh[0] + 1e-3);
      assertThat(bbox.get(1).asDouble() + bbox.get(3).asDouble()).isLessThanOrEqualTo(wh[1] + 1e-3);
      assertThat(a.get("area").isNumber()).isTrue();
      assertThat(a.get("score").isNumber()).isTrue();
      assertThat(a.get("iscrowd").isIntegralNumber()).isTrue();
      if (a.has("segmentation")) {
        JsonNode seg = a.get("segmentation");
        assertThat(seg.get("size").isArray() && seg.get("size").size() == 2).as("RLE size [h, w]").isTrue();
        assertThat(seg.get("size").get(0).asInt()).isEqualTo(wh[1]);
        assertThat(seg.get("size").get(1).asInt()).isEqualTo(wh[0]);
        assertThat(seg.get("counts").isTextual()).as("compressed RLE counts are a string").isTrue();
        assertThat(seg.get("counts").asText()).matches("[0-9?-~]*"); // pycocotools' alphabet: chars 48..111 ('0'..'o')
      }
    }
    return requestIds;
  }
}
