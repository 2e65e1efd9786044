package dev.addp.app.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.addp.app.folder.CliException;
import dev.addp.app.roles.ProcessRole;
import dev.addp.app.run.EditSheet;
import dev.addp.app.run.GenerationClient;
import dev.addp.avro.EditSource;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.RegionMask;
import dev.addp.platform.config.AddpConfig;
import dev.addp.schemas.coco.CocoRle;
import dev.addp.workers.recognition.RecognitionService;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Submits one edit job (a region of an image regenerated), follows it, and saves the results and a before/after sheet. */
@Command(name = "edit", mixinStandardHelpOptions = true,
    description = "Regenerate a region of an image with ADDP's alternating loop as a Kafka job (inpainting; a border region is "
        + "outpainting). The image is preprocessed as the model says, so results come back at the model's size. A token is "
        + "regenerated when its cell overlaps the box or a mask pixel. Writes the PNGs and before_after.png to --out. "
        + "Without connection settings it starts the embedded stack; with -c/-D/ADDP_* it uses that cluster.")
final class EditCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "IMAGE", description = "source image (PNG, JPEG, BMP, GIF, WebP)") Path image;
  @Option(names = "--box", paramLabel = "x,y,w,h", description = "region in source pixels") String box;
  @Option(names = "--mask-rle", paramLabel = "FILE", description = "region as COCO RLE JSON {\"size\": [h, w], \"counts\": ...} of the source's size")
  Path maskRle;
  @Option(names = "--count", defaultValue = "4") int count;
  @Option(names = "--seed", defaultValue = "0") long seed;
  @Option(names = "--steps", description = "loop steps (default: the model's)") Integer steps;
  @Option(names = "--label", description = "class to steer the region towards (a label name or id; default: none)") String label;
  @Option(names = "--guidance", paramLabel = "W", description = "classifier-free guidance strength for --label, in [0, the model's max]; "
      + "0 = plain conditional sampling; default: the model's") Double guidance;
  @Option(names = "--job-id") String jobId;
  @Option(names = "--out", defaultValue = "out/edit") Path out;
  @Option(names = "--model", defaultValue = RecognitionService.DEFAULT_MODEL_DIR, description = "model directory (embedded mode)") Path model;
  @Mixin ConnectionOptions connection = new ConnectionOptions();

  @Override
  public Integer call() throws Exception {
    EditSource source = source(); // before anything starts: a bad argument is answered at once
    return SingleJob.onClusterOrEmbedded(connection.load(), model, "edit-worker", List.of(ProcessRole.GENERATION),
        config -> run(config, source));
  }

  private EditSource source() throws IOException {
    if (box == null && maskRle == null) throw new CliException("give the region to regenerate: --box x,y,w,h and/or --mask-rle FILE");
    if (!Files.isRegularFile(image)) throw new CliException("cannot read " + image + ": no such file");
    EditSource.Builder b = EditSource.newBuilder().setImageBytes(ByteBuffer.wrap(Files.readAllBytes(image)));
    if (box != null) b.setBox(box(box));
    if (maskRle != null) b.setMask(mask(maskRle));
    return b.build();
  }

  static List<Float> box(String text) {
    String[] parts = text.split(",");
    if (parts.length != 4) throw new CliException("--box must be x,y,w,h (4 numbers), got '" + text + "'");
    List<Float> out = new ArrayList<>();
    for (String p : parts) {
      try {
        out.add(Float.parseFloat(p.trim()));
      } catch (NumberFormatException e) {
        throw new CliException("--box must be x,y,w,h (4 numbers), got '" + text + "'");
      }
    }
    return out;
  }

  static RegionMask mask(Path file) {
    JsonNode rle;
    try {
      rle = DemoCommand.JSON.readTree(file.toFile());
    } catch (IOException e) {
      throw new CliException("cannot read --mask-rle " + file + ": " + e.getMessage());
    }
    JsonNode size = rle.path("size");
    JsonNode counts = rle.path("counts");
    if (!size.isArray() || size.size() != 2 || !(counts.isTextual() || counts.isArray())) {
      throw new CliException("--mask-rle " + file + " is not COCO RLE: expected {\"size\": [height, width], \"counts\": string or list}");
    }
    String compressed;
    if (counts.isTextual()) {
      compressed = counts.asText();
    } else {
      long[] runs = new long[counts.size()];
      for (int i = 0; i < runs.length; i++) runs[i] = counts.get(i).asLong();
      compressed = CocoRle.toString(runs);
    }
    return new RegionMask(size.get(0).asInt(), size.get(1).asInt(), compressed);
  }

  private int run(AddpConfig config, EditSource source) throws Exception {
    String id = jobId != null ? jobId : "edit-" + UUID.randomUUID().toString().substring(0, 8);
    GenerationRequest request = GenerationRequest.newBuilder().setJobId(id).setCount(count).setSteps(steps).setSeed(seed)
        .setLabel(label).setGuidance(guidance).setEdit(source).setSubmittedAtMs(System.currentTimeMillis()).build();
    long t0 = System.nanoTime();
    SingleJob.Ended ended = SingleJob.run(config, request, steps);
    if (ended.exitCode() != 0) return ended.exitCode();
    GenerationClient.JobOutcome o = ended.outcome();
    write(o.results(), id);
    System.err.printf("job %s: %d edited images in %.1f s, %d tokens regenerated each, written to %s (before_after.png: source with the region "
        + "outlined, then the results)%n", id, o.results().size(), (System.nanoTime() - t0) / 1e9, o.results().get(0).getRegionPositions().size(), out);
    return 0;
  }

  private void write(List<GenerationResult> results, String id) throws IOException {
    Files.createDirectories(out);
    List<GenerationResult> sorted = new ArrayList<>(results);
    sorted.sort(Comparator.comparingInt(GenerationResult::getIndex));
    List<byte[]> pngs = new ArrayList<>();
    for (GenerationResult r : sorted) {
      byte[] png = GenerationClient.png(r);
      Files.write(out.resolve(id + "_" + r.getIndex() + ".png"), png);
      pngs.add(png);
    }
    GenerationResult first = sorted.get(0);
    byte[] sourcePng = new byte[first.getSourcePng().remaining()];
    first.getSourcePng().duplicate().get(sourcePng);
    Files.write(out.resolve(id + "_source.png"), sourcePng);
    int grid = (int) Math.round(Math.sqrt(first.getTokenIds().size()));
    EditSheet.write(sourcePng, first.getRegionPositions(), grid, pngs, out.resolve("before_after.png"));
  }
}
