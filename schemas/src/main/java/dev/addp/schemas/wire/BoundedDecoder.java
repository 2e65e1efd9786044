package dev.addp.schemas.wire;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * Avro binary decoding of one byte array that refuses any length or item count the bytes left
 * cannot hold, before anything is allocated. Avro's own decoder trusts a collection's item count
 * and a string's length: eleven bytes claiming 2^31 array items allocate gigabytes. Here every
 * string, bytes value and collection block is checked against the bytes that remain (each item of
 * this service's schemas takes at least one byte), so decoding a record allocates at most a small
 * multiple of its own size whatever it claims.
 */
final class BoundedDecoder extends Decoder {
  private final Window window;
  private final BinaryDecoder in;

  BoundedDecoder(byte[] data, int offset, int length) {
    this.window = new Window(data, offset, length);
    // the direct decoder reads no further ahead than asked, so the window's position is exact
    this.in = DecoderFactory.get().directBinaryDecoder(window, null);
  }

  /** Refused lengths and counts: a {@link java.io.IOException}, so every caller treats it as unreadable bytes. */
  static final class LimitExceededException extends IOException {
    LimitExceededException(String message) { super(message); }
  }

  private int checkedLength(String what) throws IOException {
    long length = in.readLong();
    if (length < 0 || length > window.remaining()) {
      throw new LimitExceededException(what + " claims " + length + " bytes but " + window.remaining() + " remain");
    }
    return (int) length;
  }

  private long checkedCount(String what, long count) throws IOException {
    if (count < 0 || count > window.remaining()) {
      throw new LimitExceededException(what + " claims " + count + " items but " + window.remaining() + " bytes remain");
    }
    return count;
  }

  @Override public void readNull() throws IOException { in.readNull(); }
  @Override public boolean readBoolean() throws IOException { return in.readBoolean(); }
  @Override public int readInt() throws IOException { return in.readInt(); }
  @Override public long readLong() throws IOException { return in.readLong(); }
  @Override public float readFloat() throws IOException { return in.readFloat(); }
  @Override public double readDouble() throws IOException { return in.readDouble(); }

  @Override
  public Utf8 readString(Utf8 old) throws IOException {
    int length = checkedLength("a string");
    Utf8 result = old != null ? old : new Utf8();
    result.setByteLength(length);
    in.readFixed(result.getBytes(), 0, length);
    return result;
  }

  @Override
  public String readString() throws IOException {
    int length = checkedLength("a string");
    byte[] bytes = new byte[length];
    in.readFixed(bytes, 0, length);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override public void skipString() throws IOException { in.skipFixed(checkedLength("a string")); }

  @Override
  public ByteBuffer readBytes(ByteBuffer old) throws IOException {
    int length = checkedLength("a bytes value");
    byte[] bytes = new byte[length];
    in.readFixed(bytes, 0, length);
    return ByteBuffer.wrap(bytes);
  }

  @Override public void skipBytes() throws IOException { in.skipFixed(checkedLength("a bytes value")); }

  @Override
  public void readFixed(byte[] bytes, int start, int length) throws IOException {
    if (length > window.remaining()) throw new EOFException("a fixed value of " + length + " bytes but " + window.remaining() + " remain");
    in.readFixed(bytes, start, length);
  }

  @Override public void skipFixed(int length) throws IOException { in.skipFixed(length); }
  @Override public int readEnum() throws IOException { return in.readEnum(); }
  @Override public long readArrayStart() throws IOException { return checkedCount("an array block", in.readArrayStart()); }
  @Override public long arrayNext() throws IOException { return checkedCount("an array block", in.arrayNext()); }
  @Override public long skipArray() throws IOException { return checkedCount("an array block", in.skipArray()); }
  @Override public long readMapStart() throws IOException { return checkedCount("a map block", in.readMapStart()); }
  @Override public long mapNext() throws IOException { return checkedCount("a map block", in.mapNext()); }
  @Override public long skipMap() throws IOException { return checkedCount("a map block", in.skipMap()); }
  @Override public int readIndex() throws IOException { return in.readIndex(); }

  /** An unsynchronised stream over a slice of an array that knows how much is left. */
  private static final class Window extends InputStream {
    private final byte[] data;
    private final int end;
    private int pos;

    Window(byte[] data, int offset, int length) {
      this.data = data;
      this.pos = offset;
      this.end = offset + length;
    }

    int remaining() { return end - pos; }

    @Override public int read() { return pos < end ? data[pos++] & 0xFF : -1; }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) return 0;
      if (pos >= end) return -1;
      int n = Math.min(len, end - pos);
      System.arraycopy(data, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public long skip(long n) {
      long k = Math.max(0, Math.min(n, end - pos));
      pos += (int) k;
      return k;
    }

    @Override public int available() { return remaining(); }
  }
}
