package dev.addp.workers.generation.edit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.model.ZooFixtures;
import dev.addp.workers.recognition.LetterboxMapping;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The region rule: any-area overlap of half-open token cells, after the preprocessing's placement. */
class EditRegionTest {
  private static final ModelManifest MANIFEST = ModelManifest.read(ZooFixtures.modelDir());

  private static List<Integer> positions(boolean[] region) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < region.length; i++) if (region[i]) out.add(i);
    return out;
  }

  /** Cells r0..r1 × c0..c1 (inclusive) of an 8×8 grid. */
  private static List<Integer> cells(int r0, int r1, int c0, int c1) {
    List<Integer> out = new ArrayList<>();
    for (int r = r0; r <= r1; r++) for (int c = c0; c <= c1; c++) out.add(r * 8 + c);
    return out;
  }

  @Test
  void boxesInModelPixelsGiveThePythonReferenceRegions() throws Exception {
    EditRegion identity = new EditRegion(new LetterboxMapping(32, 32, 32, 32, 32, 0, 0), 8);
    int checked = 0;
    for (String trace : new String[] {"edit_seed_0.json", "edit_seed_1.json"}) {
      JsonNode t = ZooFixtures.json(ZooFixtures.modelDir().resolve("golden/traces").resolve(trace));
      for (int b = 0; b < t.get("boxes").size(); b++) {
        JsonNode box = t.get("boxes").get(b);
        boolean[] region = identity.ofBox(box.get(0).asDouble(), box.get(1).asDouble(), box.get(2).asDouble(), box.get(3).asDouble());
        for (int i = 0; i < 64; i++) assertThat(region[i] ? 1 : 0).as(trace + " image " + b + " token " + i).isEqualTo(t.get("region").get(b).get(i).asInt());
        checked++;
      }
    }
    assertThat(checked).isEqualTo(8);
  }

  @Test
  void touchingACellIsNotOverlappingIt() {
    EditRegion identity = new EditRegion(new LetterboxMapping(32, 32, 32, 32, 32, 0, 0), 8);
    assertThat(positions(identity.ofBox(8, 8, 8, 8))).isEqualTo(cells(2, 3, 2, 3));
    assertThat(positions(identity.ofBox(7.5, 8, 8, 8))).isEqualTo(cells(2, 3, 1, 3));
    assertThat(positions(identity.ofBox(8, 8, 0, 8))).isEmpty();
  }

  @Test
  void aSourceBoxIsMappedThroughThePadding() {
    // a 28×28 source is centred on the 32×32 canvas (2 px padding): source x 8..24 → canvas 10..26 → cells 2..6
    EditRegion fmnist = new EditRegion(LetterboxMapping.of(MANIFEST.preprocess(), 28, 28), 8);
    assertThat(positions(fmnist.ofBox(8, 8, 16, 16))).isEqualTo(cells(2, 6, 2, 6));
    // a 56×56 source is halved first: source 16..48 → canvas 10..26, the same cells
    EditRegion large = new EditRegion(LetterboxMapping.of(MANIFEST.preprocess(), 56, 56), 8);
    assertThat(positions(large.ofBox(16, 16, 32, 32))).isEqualTo(cells(2, 6, 2, 6));
    // the whole source is every cell showing it; the border cells hold 2 px of padding and 2 px of image
    assertThat(positions(fmnist.ofBox(0, 0, 28, 28))).hasSize(64);
  }

  @Test
  void maskPixelsMarkEveryCellTheyCover() {
    boolean[] one = new boolean[28 * 28];
    one[0] = true; // source (0,0) → canvas (2,2)
    assertThat(positions(new EditRegion(LetterboxMapping.of(MANIFEST.preprocess(), 28, 28), 8).ofMask(one))).containsExactly(0);
    // a 7×7 source is scaled ×4: its pixel (0,0) covers canvas 2..5 in x and y, across cells 0 and 1
    boolean[] small = new boolean[7 * 7];
    small[0] = true;
    assertThat(positions(new EditRegion(LetterboxMapping.of(MANIFEST.preprocess(), 7, 7), 8).ofMask(small))).containsExactly(0, 1, 8, 9);
    // a thin line in a 112×112 source (scaled ÷4) still marks the cells it crosses
    boolean[] line = new boolean[112 * 112];
    for (int y = 0; y < 112; y++) line[y * 112 + 57] = true;
    assertThat(positions(new EditRegion(LetterboxMapping.of(MANIFEST.preprocess(), 112, 112), 8).ofMask(line)))
        .isEqualTo(cells(0, 7, 4, 4));
  }
}
