package dev.addp.connectors.coco;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.addp.avro.Box;
import dev.addp.avro.Classification;
import dev.addp.avro.Mask;
import dev.addp.avro.RecognitionResult;
import dev.addp.schemas.coco.CocoRle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One dataset's annotations in COCO 1.0 "instances" form, built from recognition results: each
 * request id is one image, added once (later copies of the same result are ignored).
 *
 * <ul>
 *   <li>{@code images[]}: {@code id, file_name, width, height} (the upright picture's size: EXIF
 *       orientation applied), plus {@code request_id} and {@code addp_classifications} (the
 *       image-level labels: {@code category_id, label, score}, best first);</li>
 *   <li>{@code annotations[]}: one per box or mask: {@code id, image_id, category_id, bbox [x,y,w,h]}
 *       in the upright picture's pixels, {@code area}, {@code score}, {@code iscrowd} and, for masks,
 *       {@code segmentation: {size: [h, w], counts}} (COCO compressed RLE, passed through); a mask
 *       with a box ({@code box_index}) is one annotation with that box; a per-class mask (no box) is
 *       a crowd annotation ({@code iscrowd: 1}) whose bbox surrounds its pixels;</li>
 *   <li>{@code categories[]}: the model's labels, {@code id = label_id + 1} (COCO keeps 0 free).</li>
 * </ul>
 * Ids are assigned in arrival order and kept when the file is read back, so a restarted writer
 * continues the same numbering.
 */
public final class CocoDataset {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final String name;
  private final Map<String, ObjectNode> imagesById = new LinkedHashMap<>();
  private final List<ObjectNode> annotations = new ArrayList<>();
  private final Map<Integer, String> categories = new TreeMap<>();
  private ObjectNode info;
  private long nextImageId = 1;
  private long nextAnnotationId = 1;

  public CocoDataset(String name, List<String> modelLabels) {
    this.name = name;
    for (int i = 0; i < modelLabels.size(); i++) categories.put(i + 1, modelLabels.get(i));
  }

  public String name() { return name; }

  public int imageCount() { return imagesById.size(); }

  public boolean contains(String requestId) { return imagesById.containsKey(requestId); }

  /** @return false when the request id is already in the dataset (nothing changes) */
  public boolean add(RecognitionResult r) {
    if (imagesById.containsKey(r.getRequestId())) return false;
    if (info == null) {
      info = JSON.createObjectNode().put("description", "addp-stream annotations of dataset " + name).put("version", "1.0")
          .put("year", java.time.Year.now().getValue()).put("date_created", java.time.Instant.now().toString());
      info.putObject("model").put("name", r.getModel().getName()).put("version", r.getModel().getVersion())
          .put("sha256", r.getModel().getSha256());
    }
    long imageId = nextImageId++;
    ObjectNode img = JSON.createObjectNode();
    img.put("id", imageId);
    img.put("file_name", fileName(r));
    img.put("width", r.getImage().getWidth());
    img.put("height", r.getImage().getHeight());
    img.put("request_id", r.getRequestId());
    ArrayNode labels = img.putArray("addp_classifications");
    for (Classification c : r.getClassifications()) {
      category(c.getLabelId(), c.getLabel());
      labels.addObject().put("category_id", c.getLabelId() + 1).put("label", c.getLabel()).put("score", c.getScore());
    }
    imagesById.put(r.getRequestId(), img);
    List<Box> boxes = r.getBoxes();
    boolean[] boxHasMask = new boolean[boxes.size()];
    for (Mask m : r.getMasks()) {
      int boxIndex = m.getBoxIndex();
      Box box = boxIndex >= 0 && boxIndex < boxes.size() ? boxes.get(boxIndex) : null;
      if (box != null) boxHasMask[boxIndex] = true;
      ObjectNode a = annotation(imageId, m.getLabelId(), m.getLabel(), m.getScore());
      long area = m.getArea() > 0 ? m.getArea() : CocoRle.area(m.getCounts());
      if (box != null) bbox(a, box);
      else bboxOfMask(a, m); // a per-class mask: the box around its pixels
      a.put("area", area);
      ObjectNode seg = a.putObject("segmentation");
      seg.putArray("size").add(m.getHeight()).add(m.getWidth());
      seg.put("counts", m.getCounts());
      a.put("iscrowd", box == null ? 1 : 0); // a per-class mask may cover several objects: COCO's crowd region
    }
    for (int i = 0; i < boxes.size(); i++) {
      if (boxHasMask[i]) continue;
      Box b = boxes.get(i);
      ObjectNode a = annotation(imageId, b.getLabelId(), b.getLabel(), b.getScore());
      bbox(a, b);
      a.put("area", (double) b.getWidth() * b.getHeight());
      a.put("iscrowd", 0);
    }
    return true;
  }

  private ObjectNode annotation(long imageId, int labelId, String label, float score) {
    category(labelId, label);
    ObjectNode a = JSON.createObjectNode();
    a.put("id", nextAnnotationId++);
    a.put("image_id", imageId);
    a.put("category_id", labelId + 1);
    a.put("score", score);
    annotations.add(a);
    return a;
  }

  private static void bbox(ObjectNode a, Box b) {
    a.putArray("bbox").add(b.getX()).add(b.getY()).add(b.getWidth()).add(b.getHeight());
  }

  /** {@link CocoRle#decode} gives the mask row-major: pixel (x, y) is {@code bits[y * width + x]}. */
  private static void bboxOfMask(ObjectNode a, Mask m) {
    boolean[] bits = CocoRle.decode(m.getCounts(), m.getHeight(), m.getWidth());
    int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
    for (int i = 0; i < bits.length; i++) {
      if (!bits[i]) continue;
      int x = i % m.getWidth();
      int y = i / m.getWidth();
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
    }
    ArrayNode b = a.putArray("bbox");
    if (maxX < 0) b.add(0).add(0).add(0).add(0);
    else b.add(minX).add(minY).add(maxX - minX + 1).add(maxY - minY + 1);
  }

  private void category(int labelId, String label) { categories.putIfAbsent(labelId + 1, label); }

  /** The file's path below the dataset folder when the client said it, else the request id without the dataset prefix. */
  private String fileName(RecognitionResult r) {
    String file = r.getAttributes().get("relative_path");
    if (file != null && !file.isEmpty()) return file;
    String id = r.getRequestId();
    return id.startsWith(name + "/") ? id.substring(name.length() + 1) : id;
  }

  public byte[] instancesJson() throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.set("info", info == null ? JSON.createObjectNode().put("description", "addp-stream annotations of dataset " + name)
        .put("version", "1.0") : info);
    root.putArray("licenses");
    ArrayNode images = root.putArray("images");
    imagesById.values().forEach(images::add);
    ArrayNode anns = root.putArray("annotations");
    annotations.forEach(anns::add);
    ArrayNode cats = root.putArray("categories");
    categories.forEach((id, label) -> cats.addObject().put("id", id).put("name", label).put("supercategory", ""));
    return JSON.writeValueAsBytes(root);
  }

  /** One JSON object per image, its annotations inline (for tools that stream). */
  public byte[] jsonLines() throws IOException {
    Map<Long, List<ObjectNode>> byImage = new LinkedHashMap<>();
    for (ObjectNode a : annotations) byImage.computeIfAbsent(a.get("image_id").asLong(), k -> new ArrayList<>()).add(a);
    ObjectMapper compact = new ObjectMapper();
    StringBuilder sb = new StringBuilder();
    for (ObjectNode img : imagesById.values()) {
      ObjectNode line = img.deepCopy();
      ArrayNode anns = line.putArray("annotations");
      byImage.getOrDefault(img.get("id").asLong(), List.of()).forEach(anns::add);
      sb.append(compact.writeValueAsString(line)).append('\n');
    }
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Reads a file this class wrote, to continue it (same ids, same images). */
  public static CocoDataset load(String name, List<String> modelLabels, Path instances) throws IOException {
    CocoDataset d = new CocoDataset(name, modelLabels);
    if (!Files.exists(instances)) return d;
    JsonNode root = JSON.readTree(instances.toFile());
    if (root.get("info") instanceof ObjectNode o && o.has("model")) d.info = o;
    for (JsonNode img : root.path("images")) {
      ObjectNode o = (ObjectNode) img;
      d.imagesById.put(o.get("request_id").asText(), o);
      d.nextImageId = Math.max(d.nextImageId, o.get("id").asLong() + 1);
    }
    for (JsonNode a : root.path("annotations")) {
      d.annotations.add((ObjectNode) a);
      d.nextAnnotationId = Math.max(d.nextAnnotationId, a.get("id").asLong() + 1);
    }
    for (JsonNode c : root.path("categories")) d.categories.putIfAbsent(c.get("id").asInt(), c.get("name").asText());
    return d;
  }
}
