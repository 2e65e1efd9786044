package dev.addp.app.data;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** A gzipped IDX file of unsigned bytes (magic 0x0800 + number of dimensions, big-endian dims), any rank. */
public record IdxArray(int[] dims, byte[] data) {
  public static IdxArray read(Path file) {
    try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
      int magic = in.readInt();
      int ndim = magic - 0x0800;
      if (ndim < 1 || ndim > 8) throw new IOException(file + " is not a uint8 IDX file (magic 0x" + Integer.toHexString(magic) + ")");
      int[] dims = new int[ndim];
      long total = 1;
      for (int i = 0; i < ndim; i++) {
        dims[i] = in.readInt();
        total *= dims[i];
      }
      if (total > Integer.MAX_VALUE) throw new IOException(file + " is too large");
      byte[] data = in.readNBytes((int) total);
      if (data.length != total) throw new IOException(file + " is short: " + data.length + " of " + total + " bytes");
      return new IdxArray(dims, data);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** Elements per item (everything after the first dimension). */
  public int itemSize() { return data.length / dims[0]; }

  public int count() { return dims[0]; }
}
