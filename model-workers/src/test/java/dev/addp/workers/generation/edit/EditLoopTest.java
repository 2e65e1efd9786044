package dev.addp.workers.generation.edit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.addp.workers.generation.GenerationLoop;
import dev.addp.workers.generation.GenerationModel;
import dev.addp.workers.generation.ImageStart;
import dev.addp.workers.generation.ImageTrack;
import dev.addp.workers.generation.LoopSettings;
import dev.addp.workers.generation.StreamSeeds;
import dev.addp.workers.generation.Uniforms;
import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.onnx.Device;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An edit keeps every token outside its region: the result's tokens there are the source's (its VQ
 * tokens, from the tokenize graph), whatever the seed, and nothing outside stays soft; inside, the
 * tokens are sampled, so different seeds give different regions.
 */
class EditLoopTest {
  private static GenerationModel model;
  private static ImageTokenizer tokenizer;

  @BeforeAll
  static void open() throws Exception {
    model = new GenerationModel(ZooFixtures.modelDir(), Device.CPU, 2);
    tokenizer = new ImageTokenizer(ZooFixtures.modelDir(), model.manifest(), Device.CPU, 1);
  }

  @AfterAll
  static void close() throws Exception {
    tokenizer.close();
    model.close();
  }

  @Test
  void tokensOutsideTheRegionAreTheSourcesWhateverTheSeedAndTheRegionVaries() throws Exception {
    float[] golden = ZooFixtures.floats(ZooFixtures.modelDir().resolve("golden/tokenize/pixels.in.bin")); // 3 real preprocessed images
    long[] source = tokenizer.tokenize(Arrays.copyOf(golden, tokenizer.inputLength()));
    boolean[] region = new boolean[64];
    for (int r = 2; r < 6; r++) for (int c = 1; c < 7; c++) region[r * 8 + c] = true; // 24 tokens
    LoopSettings settings = LoopSettings.defaults(model.manifest().generation());
    GenerationLoop loop = new GenerationLoop(model, 8);
    List<ImageTrack> tracks = new ArrayList<>();
    int seeds = 6;
    for (int seed = 0; seed < seeds; seed++) {
      ImageStart start = ImageStart.edit(seed % 2 == 0 ? model.noLabel() : 5, source, region);
      tracks.add(loop.newTrack(settings, Uniforms.of(StreamSeeds.forImage(seed, 0)), start));
    }
    while (!tracks.stream().allMatch(ImageTrack::done)) loop.step(tracks);

    List<List<Long>> regions = new ArrayList<>();
    for (ImageTrack t : tracks) {
      List<Long> inside = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        if (region[i]) {
          inside.add(t.ids()[i]);
        } else {
          assertThat(t.ids()[i]).as("token " + i + " outside the region").isEqualTo(source[i]);
          assertThat(t.mask()[i]).as("token " + i + " outside the region is reliable").isZero();
        }
      }
      regions.add(inside);
    }
    for (int a = 0; a < seeds; a++) {
      for (int b = a + 1; b < seeds; b++) assertThat(regions.get(a)).as("region of seed " + a + " vs seed " + b).isNotEqualTo(regions.get(b));
    }
  }

  /** Edits and generated images share model runs; each image's result is what it would be alone. */
  @Test
  void editsAndGenerationsInOneBatchEqualTheirSoloRuns() throws Exception {
    long[] source = tokenizer.tokenize(Arrays.copyOf(ZooFixtures.floats(ZooFixtures.modelDir().resolve("golden/tokenize/pixels.in.bin")),
        tokenizer.inputLength()));
    boolean[] region = new boolean[64];
    for (int i = 0; i < 32; i++) region[i] = true; // the top half: outpainting-like
    LoopSettings settings = new LoopSettings(6, dev.addp.workers.generation.Schedule.COSINE, 1, 6);
    List<ImageStart> starts = List.of(ImageStart.edit(model.noLabel(), source, region), ImageStart.generate(model.noLabel()),
        ImageStart.generate(3), ImageStart.edit(7, source, region));
    GenerationLoop loop = new GenerationLoop(model, 8);
    List<ImageTrack> mixed = new ArrayList<>();
    for (int i = 0; i < starts.size(); i++) mixed.add(loop.newTrack(settings, Uniforms.of(StreamSeeds.forImage(11, i)), starts.get(i)));
    while (!mixed.stream().allMatch(ImageTrack::done)) loop.step(mixed);
    for (int i = 0; i < starts.size(); i++) {
      ImageTrack solo = new GenerationLoop(model, 1).newTrack(settings, Uniforms.of(StreamSeeds.forImage(11, i)), starts.get(i));
      GenerationLoop own = new GenerationLoop(model, 1);
      while (!solo.done()) own.step(List.of(solo));
      assertThat(mixed.get(i).ids()).as("image " + i).containsExactly(solo.ids());
    }
  }

  @Test
  void anEmptyRegionReturnsTheSourceTokens() throws Exception {
    long[] source = tokenizer.tokenize(Arrays.copyOf(ZooFixtures.floats(ZooFixtures.modelDir().resolve("golden/tokenize/pixels.in.bin")),
        tokenizer.inputLength()));
    GenerationLoop loop = new GenerationLoop(model, 1);
    ImageTrack t = loop.newTrack(new LoopSettings(3, dev.addp.workers.generation.Schedule.COSINE, 1, 6),
        Uniforms.of(StreamSeeds.forImage(1, 0)), ImageStart.edit(model.noLabel(), source, new boolean[64]));
    while (!t.done()) loop.step(List.of(t));
    assertThat(t.ids()).containsExactly(source);
  }
}
