package dev.addp.systemtest.generation;

import dev.addp.app.data.FashionMnistSample;
import dev.addp.avro.GenerationResult;
import dev.addp.systemtest.support.TestModels;
import dev.addp.workers.generation.edit.EditRegion;
import dev.addp.workers.generation.edit.ImageTokenizer;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.onnx.Device;
import dev.addp.workers.recognition.LetterboxMapping;
import dev.addp.workers.recognition.Preprocessor;
import java.io.ByteArrayInputStream;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * An edit job's source and what its results must keep, computed here without the service: the
 * source's tokens (preprocessed as the manifest says, then the tokenize graph) and the region's
 * token positions of a box.
 */
record EditSourceFixture(byte[] png, List<Integer> sourceTokens, List<Integer> regionPositions) {
  static EditSourceFixture of(int sampleIndex, float[] box) throws Exception {
    byte[] png = FashionMnistSample.read(TestModels.sampleDir()).png(sampleIndex);
    ModelManifest manifest = ModelManifest.read(TestModels.modelDir());
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
    Preprocessor pre = new Preprocessor(manifest.preprocess());
    float[] pixels = new float[pre.inputLength()];
    pre.write(image, pixels, 0);
    List<Integer> tokens = new ArrayList<>();
    try (ImageTokenizer tokenizer = new ImageTokenizer(TestModels.modelDir(), manifest, Device.CPU, 1)) {
      for (long id : tokenizer.tokenize(pixels)) tokens.add((int) id);
    }
    boolean[] region = new EditRegion(LetterboxMapping.of(manifest.preprocess(), image.getWidth(), image.getHeight()),
        manifest.tokens().grid().get(0)).ofBox(box[0], box[1], box[2], box[3]);
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < region.length; i++) if (region[i]) positions.add(i);
    return new EditSourceFixture(png, tokens, positions);
  }

  /** Positions outside the region where the result's token differs from the source's (must be none). */
  List<Integer> changedOutsideRegion(GenerationResult r) {
    List<Integer> changed = new ArrayList<>();
    for (int i = 0; i < sourceTokens.size(); i++) {
      if (!regionPositions.contains(i) && !r.getTokenIds().get(i).equals(sourceTokens.get(i))) changed.add(i);
    }
    return changed;
  }

  List<Integer> regionTokens(GenerationResult r) {
    List<Integer> out = new ArrayList<>();
    for (int p : regionPositions) out.add(r.getTokenIds().get(p));
    return out;
  }
}
