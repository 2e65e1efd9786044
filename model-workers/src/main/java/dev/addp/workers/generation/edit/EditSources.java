package dev.addp.workers.generation.edit;

import ai.onnxruntime.OrtException;
import dev.addp.avro.EditSource;
import dev.addp.avro.ErrorType;
import dev.addp.avro.RegionMask;
import dev.addp.platform.image.ImageRejectedException;
import dev.addp.platform.image.ImageSource;
import dev.addp.schemas.coco.CocoRle;
import dev.addp.workers.generation.ImagePng;
import dev.addp.workers.generation.jobs.InvalidJobException;
import dev.addp.workers.generation.jobs.JobSpec;
import dev.addp.workers.generation.jobs.ResolvedEdit;
import dev.addp.workers.model.ModelManifest;
import dev.addp.workers.recognition.ImageDecoder;
import dev.addp.workers.recognition.LetterboxMapping;
import dev.addp.workers.recognition.Preprocessor;
import java.util.List;

/**
 * An edit request's source and region, as the model sees them: the image read (inline, or a
 * {@code file:} URI under the allowed roots), probed against the limits and decoded exactly as
 * recognition input is, preprocessed as the manifest says, tokenized; the box and/or mask mapped
 * to the token grid ({@link EditRegion}). Every refusal carries the typed reason.
 */
public final class EditSources implements JobSpec.EditResolver {
  private final ImageSource source;
  private final ImageDecoder decoder;
  private final Preprocessor preprocessor;
  private final ImageTokenizer tokenizer;
  private final ModelManifest manifest;
  private final int grid;

  public EditSources(ImageSource source, ImageDecoder decoder, ModelManifest manifest, ImageTokenizer tokenizer) {
    this.source = source;
    this.decoder = decoder;
    this.manifest = manifest;
    this.preprocessor = new Preprocessor(manifest.preprocess());
    this.tokenizer = tokenizer;
    List<Integer> g = manifest.tokens().grid();
    if (g == null || g.size() != 2 || !g.get(0).equals(g.get(1))) throw new IllegalArgumentException("editing needs a square token grid, got " + g);
    this.grid = g.get(0);
  }

  @Override
  public ResolvedEdit resolve(EditSource e) {
    if ((e.getImageBytes() == null) == (e.getImageUri() == null)) throw invalid("edit: set exactly one of image_bytes and image_uri");
    if (e.getBox() == null && e.getMask() == null) throw invalid("edit: give a region (box and/or mask)");
    double[] box = e.getBox() == null ? null : box(e.getBox());
    float[] pixels = new float[preprocessor.inputLength()];
    boolean[] region = new boolean[grid * grid];
    try (ImageDecoder.Decoded decoded = decoder.decode(source.bytesOf(e.getImageBytes(), e.getImageUri()))) {
      int w = decoded.image().getWidth();
      int h = decoded.image().getHeight();
      EditRegion regions = new EditRegion(LetterboxMapping.of(manifest.preprocess(), w, h), grid);
      if (box != null) region = EditRegion.union(region, regions.ofBox(box[0], box[1], box[2], box[3]));
      if (e.getMask() != null) region = EditRegion.union(region, regions.ofMask(mask(e.getMask(), w, h)));
      preprocessor.write(decoded.image(), pixels, 0);
    } catch (ImageRejectedException x) {
      throw new InvalidJobException(x.type(), "edit source: " + x.getMessage());
    } catch (InterruptedException x) { // the worker is stopping: the request is read again, not failed
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while decoding an edit source", x);
    }
    long[] ids;
    try {
      ids = tokenizer.tokenize(pixels);
    } catch (OrtException x) {
      throw new InvalidJobException(ErrorType.MODEL_ERROR, "the tokenizer failed on the edit source: " + x.getMessage());
    }
    int size = preprocessor.inputSize();
    return new ResolvedEdit(ids, region, ImagePng.encode(pixels, new int[] {3, size, size}));
  }

  private static double[] box(List<Float> b) {
    if (b.size() != 4) throw invalid("edit box must be [x, y, width, height], got " + b.size() + " numbers");
    double[] out = new double[4];
    for (int i = 0; i < 4; i++) {
      out[i] = b.get(i);
      if (!Double.isFinite(out[i])) throw invalid("edit box has a non-finite number: " + b);
    }
    if (out[2] <= 0 || out[3] <= 0) throw invalid("edit box needs a positive width and height, got " + b);
    return out;
  }

  private static boolean[] mask(RegionMask m, int width, int height) {
    if (m.getWidth() != width || m.getHeight() != height) {
      throw invalid("edit mask is " + m.getWidth() + "×" + m.getHeight() + " but the source is " + width + "×" + height);
    }
    try {
      return CocoRle.decode(m.getCounts(), height, width);
    } catch (IllegalArgumentException x) {
      throw invalid("edit mask is not a valid COCO RLE: " + x.getMessage());
    }
  }

  private static InvalidJobException invalid(String message) { return new InvalidJobException(ErrorType.INVALID_REQUEST, message); }
}
