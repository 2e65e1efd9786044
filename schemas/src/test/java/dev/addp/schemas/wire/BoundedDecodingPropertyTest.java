package dev.addp.schemas.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.addp.avro.CancelCommand;
import dev.addp.avro.DatasetManifest;
import dev.addp.avro.DatasetProgress;
import dev.addp.avro.DeadLetter;
import dev.addp.avro.ErrorType;
import dev.addp.avro.GenerationEvent;
import dev.addp.avro.GenerationRequest;
import dev.addp.avro.GenerationResult;
import dev.addp.avro.ImageRequest;
import dev.addp.avro.RecognitionResult;
import dev.addp.schemas.registry.SchemaRegistryClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Every record type's value decoder against hostile bytes: arbitrary bytes behind a valid header,
 * valid records with bytes flipped or cut, and crafted length bombs (a tasks array or a string
 * claiming 2^31 items or bytes). Whatever the bytes, decoding returns a record or throws a typed
 * {@link WireFormatException}, never an {@link Error}, and allocates only in proportion to the bytes
 * it was given, not to the lengths they claim.
 */
class BoundedDecodingPropertyTest {
  /** Schema id i + 1 is the writer schema of TYPES[i], as a registry would answer. */
  static final List<Class<? extends SpecificRecord>> TYPES = List.of(ImageRequest.class, RecognitionResult.class, DeadLetter.class,
      GenerationRequest.class, GenerationEvent.class, GenerationResult.class, CancelCommand.class, DatasetManifest.class,
      DatasetProgress.class);
  /** Reader caches and decoder objects plus a few copies of the input: far below what a honoured length bomb allocates (GBs). */
  private static final long ALLOCATION_BASE = 4L * 1024 * 1024;
  private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private static HttpServer registry;
  private static List<AvroWireSerde<? extends SpecificRecord>> serdes;

  @BeforeContainer
  static void startRegistry() throws IOException {
    registry = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ObjectMapper json = new ObjectMapper();
    registry.createContext("/schemas/ids/", x -> {
      x.getRequestBody().readAllBytes();
      int id = Integer.parseInt(x.getRequestURI().getPath().substring("/schemas/ids/".length()));
      byte[] body = id >= 1 && id <= TYPES.size()
          ? json.writeValueAsBytes(Map.of("schema", SpecificData.get().getSchema(TYPES.get(id - 1)).toString()))
          : "{\"error_code\":40403,\"message\":\"Schema not found\"}".getBytes(StandardCharsets.UTF_8);
      x.sendResponseHeaders(id >= 1 && id <= TYPES.size() ? 200 : 404, body.length);
      x.getResponseBody().write(body);
      x.close();
    });
    registry.start();
    SchemaRegistryClient client = new SchemaRegistryClient("http://127.0.0.1:" + registry.getAddress().getPort());
    serdes = TYPES.stream().<AvroWireSerde<? extends SpecificRecord>>map(t -> new AvroWireSerde<>(client, t, false)).toList();
    // warm every reader, so the allocation measured below is the decoding's alone
    for (int i = 0; i < TYPES.size(); i++) decodeOrTyped(i, header(i + 1));
  }

  @AfterContainer
  static void stopRegistry() { registry.stop(0); }

  static byte[] header(int schemaId) {
    return ByteBuffer.allocate(5).put(AvroWireSerde.MAGIC).putInt(schemaId).array();
  }

  static byte[] framed(int schemaId, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(header(schemaId));
    out.writeBytes(body);
    return out.toByteArray();
  }

  /** Decodes as TYPES[type], returning the bytes allocated; any throwable other than the typed error fails the property. */
  static long decodeOrTyped(int type, byte[] value) {
    long before = THREADS.getCurrentThreadAllocatedBytes();
    try {
      serdes.get(type).deserialize("t", value);
    } catch (WireFormatException typed) {
      assertThat(typed.type()).isNotNull();
    }
    return THREADS.getCurrentThreadAllocatedBytes() - before;
  }

  @Property(tries = 2000)
  void arbitraryBytesBehindAValidHeaderDecodeOrFailTyped(@ForAll @IntRange(min = 0, max = 8) int type,
                                                         @ForAll("bodies") byte[] body) {
    byte[] value = framed(type + 1, body);
    assertThat(decodeOrTyped(type, value)).isLessThan(ALLOCATION_BASE + 16L * value.length);
  }

  @Property(tries = 1000)
  void validRecordsFlippedOrCutDecodeOrFailTyped(@ForAll("damaged") byte[] value) {
    assertThat(decodeOrTyped(0, value)).isLessThan(ALLOCATION_BASE + 16L * value.length);
  }

  @Provide
  Arbitrary<byte[]> bodies() {
    return Arbitraries.oneOf(
        Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
        Arbitraries.bytes().array(byte[].class).ofMaxSize(4096),
        // long runs of 0xFF make maximal varints: the largest lengths and counts a few bytes can claim
        Arbitraries.of((byte) 0xFF, (byte) 0x7F, (byte) 0x00, (byte) 0xFE, (byte) 0x0F).array(byte[].class).ofMaxSize(64));
  }

  @Provide
  Arbitrary<byte[]> damaged() {
    byte[] valid = framed(1, encode(ImageRequest.newBuilder().setRequestId("ds/a.png").setDataset("ds")
        .setImageBytes(ByteBuffer.wrap(new byte[300])).setAttributes(Map.of("k", "v")).build()));
    Arbitrary<byte[]> flipped = Arbitraries.integers().between(5, valid.length - 1).list().ofMinSize(1).ofMaxSize(6)
        .flatMap(positions -> Arbitraries.bytes().list().ofSize(positions.size()).map(values -> {
          byte[] v = valid.clone();
          for (int i = 0; i < positions.size(); i++) v[positions.get(i)] = values.get(i);
          return v;
        }));
    Arbitrary<byte[]> cut = Arbitraries.integers().between(5, valid.length - 1).map(n -> java.util.Arrays.copyOf(valid, n));
    return Arbitraries.oneOf(flipped, cut);
  }

  static byte[] encode(ImageRequest r) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      var enc = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
      new org.apache.avro.specific.SpecificDatumWriter<>(ImageRequest.class).write(r, enc);
      enc.flush();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** The varint Avro writes for a long (zig-zag). */
  static byte[] varint(long n) {
    long z = (n << 1) ^ (n >> 63);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((z & ~0x7FL) != 0) {
      out.write((int) ((z & 0x7F) | 0x80));
      z >>>= 7;
    }
    out.write((int) z);
    return out.toByteArray();
  }

  @Example
  void elevenByteStringBombIsATypedErrorWithoutTheAllocation() {
    // request_id claims 2^31 - 9 bytes: a header, a 5-byte length and one byte
    byte[] value = framed(1, concat(varint(Integer.MAX_VALUE - 8), new byte[] {0}));
    assertThat(value).hasSize(11);
    assertThatThrownBy(() -> serdes.get(0).deserialize("t", value)).isInstanceOf(WireFormatException.class)
        .hasMessageContaining("claims 2147483639 bytes")
        .satisfies(e -> assertThat(((WireFormatException) e).type()).isEqualTo(ErrorType.SCHEMA_MISMATCH));
    assertThat(decodeOrTyped(0, value)).isLessThan(ALLOCATION_BASE);
  }

  @Example
  void arrayBombIsATypedErrorWithoutTheAllocation() {
    // empty request id and dataset, no image bytes, no uri, then a tasks array claiming 2^31 - 9 items
    byte[] value = framed(1, concat(new byte[] {0, 0, 0, 0}, varint(Integer.MAX_VALUE - 8)));
    assertThatThrownBy(() -> serdes.get(0).deserialize("t", value)).isInstanceOf(WireFormatException.class)
        .hasMessageContaining("claims 2147483639 items");
    assertThat(decodeOrTyped(0, value)).isLessThan(ALLOCATION_BASE);
  }

  @Example
  void mapBombInAttributesIsATypedError() {
    // a cancel command: job id "j", no reason, a time; then a generation request's attribute map claiming 2^30 entries
    byte[] value = framed(4, concat(new byte[] {2, 'j', 0, 2, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0}, varint(1L << 30)));
    assertThatThrownBy(() -> serdes.get(3).deserialize("t", value)).isInstanceOf(WireFormatException.class);
    assertThat(decodeOrTyped(3, value)).isLessThan(ALLOCATION_BASE);
  }

  @Example
  void aValidRecordStillDecodes() {
    ImageRequest r = ImageRequest.newBuilder().setRequestId("ds/a.png").setDataset("ds")
        .setImageBytes(ByteBuffer.wrap(new byte[] {1, 2, 3})).setAttributes(Map.of("k", "v")).build();
    ImageRequest back = (ImageRequest) serdes.get(0).deserialize("t", framed(1, encode(r)));
    assertThat(back).isEqualTo(r);
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
