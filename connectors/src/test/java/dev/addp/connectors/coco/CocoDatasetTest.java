package dev.addp.connectors.coco;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.addp.avro.Box;
import dev.addp.avro.Classification;
import dev.addp.avro.ImageInfo;
import dev.addp.avro.Mask;
import dev.addp.avro.ModelRef;
import dev.addp.avro.RecognitionResult;
import dev.addp.avro.RecognitionTimings;
import dev.addp.connectors.files.AtomicFiles;
import dev.addp.schemas.coco.CocoRle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CocoDatasetTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> LABELS = List.of("cat", "dog", "bird");

  @TempDir Path dir;

  @Test
  void boxesMasksAndLabelsBecomeCocoInstances() throws Exception {
    CocoDataset d = new CocoDataset("pets", LABELS);
    // 4x3 picture; an instance mask for the box at (1,0) 2x2, and a per-class mask of pixels (3,2) and (3,1)
    boolean[] instance = new boolean[12];
    // masks are row-major, as CocoRle takes them: pixel (x, y) is [y * width + x]
    instance[0 * 4 + 1] = instance[0 * 4 + 2] = instance[1 * 4 + 1] = instance[1 * 4 + 2] = true;
    boolean[] semantic = new boolean[12];
    semantic[1 * 4 + 3] = semantic[2 * 4 + 3] = true;
    RecognitionResult r = result("pets/a/one.jpg", 4, 3, List.of(new Classification(1, "dog", 0.8f)),
        List.of(new Box(1, "dog", 0.9f, 1f, 0f, 2f, 2f), new Box(2, "bird", 0.4f, 0f, 1f, 1f, 1f)),
        List.of(mask(1, "dog", instance, 3, 4, 0), mask(0, "cat", semantic, 3, 4, -1)));
    assertThat(d.add(r)).isTrue();
    assertThat(d.add(r)).as("the same request id again changes nothing").isFalse();

    JsonNode coco = JSON.readTree(d.instancesJson());
    JsonNode img = coco.get("images").get(0);
    assertThat(img.get("file_name").asText()).isEqualTo("a/one.jpg");
    assertThat(img.get("width").asInt()).isEqualTo(4);
    assertThat(img.get("height").asInt()).isEqualTo(3);
    assertThat(img.get("addp_classifications").get(0).get("category_id").asInt()).isEqualTo(2);
    assertThat(coco.get("categories")).hasSize(3);
    assertThat(coco.get("categories").get(0).get("name").asText()).isEqualTo("cat");

    JsonNode anns = coco.get("annotations");
    assertThat(anns).hasSize(3);
    JsonNode withBox = anns.get(0);
    assertThat(withBox.get("category_id").asInt()).isEqualTo(2);
    assertThat(floats(withBox.get("bbox"))).containsExactly(1f, 0f, 2f, 2f);
    assertThat(withBox.get("area").asLong()).isEqualTo(4);
    assertThat(withBox.get("segmentation").get("size").get(0).asInt()).isEqualTo(3);
    assertThat(withBox.get("segmentation").get("size").get(1).asInt()).isEqualTo(4);
    assertThat(withBox.get("segmentation").get("counts").asText()).isEqualTo(CocoRle.encode(instance, 3, 4));
    assertThat(withBox.get("iscrowd").asInt()).isZero();
    JsonNode perClass = anns.get(1);
    assertThat(floats(perClass.get("bbox"))).as("box around the mask's pixels").containsExactly(3f, 1f, 1f, 2f);
    assertThat(perClass.get("area").asLong()).isEqualTo(2);
    assertThat(perClass.get("iscrowd").asInt()).isEqualTo(1);
    JsonNode boxOnly = anns.get(2);
    assertThat(boxOnly.has("segmentation")).isFalse();
    assertThat(floats(boxOnly.get("bbox"))).containsExactly(0f, 1f, 1f, 1f);
    assertThat(boxOnly.get("area").asDouble()).isEqualTo(1.0);
    assertThat(boxOnly.get("category_id").asInt()).isEqualTo(3);

    List<String> lines = new String(d.jsonLines()).lines().toList();
    assertThat(lines).hasSize(1);
    assertThat(JSON.readTree(lines.get(0)).get("annotations")).hasSize(3);
  }

  @Test
  void aDatasetReadBackContinuesTheSameIdsAndRecognisesItsImages() throws Exception {
    CocoDataset d = new CocoDataset("ds", LABELS);
    d.add(result("ds/1.png", 2, 2, List.of(new Classification(0, "cat", 0.5f)), List.of(new Box(0, "cat", 0.5f, 0f, 0f, 1f, 1f)), List.of()));
    d.add(result("ds/2.png", 2, 2, List.of(), List.of(), List.of()));
    Path file = dir.resolve("ds.coco.json");
    AtomicFiles.write(file, d.instancesJson());
    assertThat(Files.list(dir)).as("no temporary file left").containsExactly(file);

    CocoDataset again = CocoDataset.load("ds", LABELS, file);
    assertThat(again.imageCount()).isEqualTo(2);
    assertThat(again.add(result("ds/1.png", 2, 2, List.of(), List.of(), List.of()))).isFalse();
    assertThat(again.add(result("ds/3.png", 2, 2, List.of(), List.of(new Box(1, "dog", 0.7f, 0f, 0f, 2f, 2f)), List.of()))).isTrue();
    JsonNode coco = JSON.readTree(again.instancesJson());
    assertThat(coco.get("images").findValuesAsText("id")).containsExactly("1", "2", "3");
    assertThat(coco.get("annotations").findValuesAsText("id")).containsExactly("1", "2");
    assertThat(coco.get("annotations").get(1).get("image_id").asInt()).isEqualTo(3);
  }

  private static List<Float> floats(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(n -> (float) n.asDouble()).toList();
  }

  private static Mask mask(int labelId, String label, boolean[] bits, int h, int w, int boxIndex) {
    return Mask.newBuilder().setLabelId(labelId).setLabel(label).setScore(0.7f).setHeight(h).setWidth(w)
        .setCounts(CocoRle.encode(bits, h, w)).setArea(boxIndex >= 0 ? CocoRle.area(CocoRle.counts(bits, h, w)) : 0)
        .setBoxIndex(boxIndex).build();
  }

  static RecognitionResult result(String id, int w, int h, List<Classification> labels, List<Box> boxes, List<Mask> masks) {
    return RecognitionResult.newBuilder().setRequestId(id).setDataset(id.substring(0, id.indexOf('/')))
        .setModel(new ModelRef("m", "1", "abc")).setImage(new ImageInfo("png", w, h, 10L)).setClassifications(labels)
        .setBoxes(boxes).setMasks(masks).setTimings(new RecognitionTimings(0.0, 0.0, 0.0, 1)).setWorkerId("w")
        .setAttributes(Map.of()).setProducedAtMs(1L).build();
  }
}
