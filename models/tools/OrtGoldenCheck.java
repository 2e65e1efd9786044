import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs every graph of a model directory on its golden inputs with ONNX Runtime Java and compares
 * the outputs with the golden outputs (max abs diff; fails above the case tolerance).
 *
 * Usage (Java 17 single-file launch):
 *   java -cp onnxruntime-1.24.2.jar models/tools/OrtGoldenCheck.java models/zoo/addp-fmnist
 *
 * Layout read: manifest.json "graphs" -> {name: {"file": ...}}, golden/NAME/case.json ->
 * {"inputs"|"outputs": {tensor: {"dtype","shape","file"}}, "tolerance"}; tensors are raw
 * little-endian C-order float32/int64 files next to case.json.
 */
public class OrtGoldenCheck {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        Map<String, Object> manifest = obj(Json.parse(Files.readString(dir.resolve("manifest.json"))));
        Map<String, Object> graphs = obj(manifest.get("graphs"));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        boolean ok = true;
        for (String name : graphs.keySet()) {
            Path modelFile = dir.resolve((String) obj(graphs.get(name)).get("file"));
            Path caseDir = dir.resolve("golden").resolve(name);
            Map<String, Object> kase = obj(Json.parse(Files.readString(caseDir.resolve("case.json"))));
            double tol = ((Number) kase.get("tolerance")).doubleValue();
            try (OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
                 OrtSession session = env.createSession(modelFile.toString(), opts)) {
                Map<String, OnnxTensor> inputs = new HashMap<>();
                for (Map.Entry<String, Object> e : obj(kase.get("inputs")).entrySet()) {
                    inputs.put(e.getKey(), readTensor(env, caseDir, obj(e.getValue())));
                }
                try (OrtSession.Result result = session.run(inputs)) {
                    for (Map.Entry<String, Object> e : obj(kase.get("outputs")).entrySet()) {
                        Map<String, Object> spec = obj(e.getValue());
                        OnnxTensor out = (OnnxTensor) result.get(e.getKey()).orElseThrow();
                        if ("int64".equals(spec.get("dtype"))) {   // token ids: must be identical
                            long[] want = readLongs(caseDir.resolve((String) spec.get("file")));
                            long[] got = new long[want.length];
                            out.getLongBuffer().get(got);
                            int differ = 0;
                            for (int i = 0; i < want.length; i++) if (want[i] != got[i]) differ++;
                            ok &= differ == 0;
                            System.out.printf("%s %s.%s differing=%d of %d%n", differ == 0 ? "PASS" : "FAIL",
                                    name, e.getKey(), differ, want.length);
                            continue;
                        }
                        float[] expected = readFloats(caseDir.resolve((String) spec.get("file")));
                        float[] actual = new float[expected.length];
                        out.getFloatBuffer().get(actual);
                        double maxDiff = 0;
                        for (int i = 0; i < expected.length; i++) {
                            maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
                        }
                        boolean pass = maxDiff <= tol && !Double.isNaN(maxDiff);
                        ok &= pass;
                        System.out.printf("%s %s.%s max_abs_diff=%.3e tol=%.0e%n",
                                pass ? "PASS" : "FAIL", name, e.getKey(), maxDiff, tol);
                    }
                } finally {
                    inputs.values().forEach(OnnxTensor::close);
                }
            }
        }
        if (!ok) System.exit(1);
    }

    static OnnxTensor readTensor(OrtEnvironment env, Path dir, Map<String, Object> spec) throws Exception {
        List<Object> dims = list(spec.get("shape"));
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = ((Number) dims.get(i)).longValue();
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(dir.resolve((String) spec.get("file"))))
                .order(ByteOrder.LITTLE_ENDIAN);
        switch ((String) spec.get("dtype")) {
            case "float32": return OnnxTensor.createTensor(env, bytes.asFloatBuffer(), shape);
            case "int64": return OnnxTensor.createTensor(env, bytes.asLongBuffer(), shape);
            default: throw new IllegalArgumentException("dtype " + spec.get("dtype"));
        }
    }

    static long[] readLongs(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[b.remaining() / 8];
        b.asLongBuffer().get(out);
        return out;
    }

    static float[] readFloats(Path file) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[b.remaining() / 4];
        b.asFloatBuffer().get(out);
        return out;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> obj(Object o) { return (Map<String, Object>) o; }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) { return (List<Object>) o; }

    /** Minimal JSON reader (objects, arrays, strings, numbers, true/false/null). */
    static final class Json {
        private final String s;
        private int i;

        private Json(String s) { this.s = s; }

        static Object parse(String text) { return new Json(text).value(); }

        private Object value() {
            skip();
            char c = s.charAt(i);
            if (c == '{') {
                Map<String, Object> m = new LinkedHashMap<>();
                i++;
                skip();
                if (s.charAt(i) == '}') { i++; return m; }
                while (true) {
                    skip();
                    String k = (String) value();
                    skip();
                    i++; // ':'
                    m.put(k, value());
                    skip();
                    if (s.charAt(i++) == '}') return m;
                }
            }
            if (c == '[') {
                List<Object> l = new ArrayList<>();
                i++;
                skip();
                if (s.charAt(i) == ']') { i++; return l; }
                while (true) {
                    l.add(value());
                    skip();
                    if (s.charAt(i++) == ']') return l;
                }
            }
            if (c == '"') {
                StringBuilder b = new StringBuilder();
                i++;
                while (s.charAt(i) != '"') {
                    char ch = s.charAt(i++);
                    if (ch == '\\') {
                        char e = s.charAt(i++);
                        switch (e) {
                            case 'n': b.append('\n'); break;
                            case 't': b.append('\t'); break;
                            case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
                            default: b.append(e);
                        }
                    } else {
                        b.append(ch);
                    }
                }
                i++;
                return b.toString();
            }
            int start = i;
            while (i < s.length() && ",}] \n\r\t".indexOf(s.charAt(i)) < 0) i++;
            String tok = s.substring(start, i);
            switch (tok) {
                case "true": return Boolean.TRUE;
                case "false": return Boolean.FALSE;
                case "null": return null;
                default: return Double.parseDouble(tok);
            }
        }

        private void skip() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++;
        }
    }
}
