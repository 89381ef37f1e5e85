package io.backprop4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.backprop4j.io.Safetensors;
import io.backprop4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** What the ONNX tests share: ONNX Runtime, the Python checker, fixtures, comparisons. */
final class OnnxTesting {
    private OnnxTesting() {}

    /** Runs an ONNX model in ONNX Runtime (one thread) on {@code x}, float32; returns the output. */
    static Tensor runtime(byte[] model, Tensor x) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (var options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(1);
            try (var session = env.createSession(model, options);
                 var input = OnnxTensor.createTensor(env, FloatBuffer.wrap(x.toFloatArray()), Arrays.stream(x.shape()).asLongStream().toArray());
                 var result = session.run(Map.of(session.getInputNames().iterator().next(), input))) {
                var out = (OnnxTensor) result.get(0);
                FloatBuffer b = out.getFloatBuffer();
                float[] data = new float[b.remaining()];
                b.get(data);
                int[] shape = Arrays.stream(out.getInfo().getShape()).mapToInt(Math::toIntExact).toArray();
                return Tensor.of(data, shape);
            }
        } catch (OrtException e) {
            throw new AssertionError("ONNX Runtime: " + e.getMessage(), e);
        }
    }

    /**
     * ONNX's own checker (Debian's python3-onnx), with full_check (shape inference too): null when
     * it accepts the file, its message when it refuses, "absent" when python3-onnx is not installed.
     */
    static String check(Path file) {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                    "import sys\ntry:\n import onnx\nexcept ImportError:\n print('absent'); sys.exit(3)\n"
                            + "onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)", file.toString())
                    .redirectErrorStream(true).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "the checker did not finish in 120 s";
            }
            String out = new String(p.getInputStream().readAllBytes()).strip();
            return p.exitValue() == 0 ? null : p.exitValue() == 3 ? "absent" : out;
        } catch (IOException e) {
            return "absent";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static byte[] resource(String name) {
        try (InputStream in = OnnxTesting.class.getResourceAsStream("/fixtures/" + name)) {
            if (in == null) throw new IllegalStateException("missing fixture " + name + "; run tools/fixtures/make_onnx_fixtures.py");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Tensor> tensors(String name) {
        return Safetensors.fromBytes(resource(name), name).tensors();
    }

    /** Same shape and |a - e| ≤ tol (1 + |e|) everywhere, naming the first element that differs. */
    static void assertClose(String what, Tensor expected, Tensor actual, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            if (!(Math.abs(a[i] - e[i]) <= tol * (1 + Math.abs(e[i])))) {
                fail(what + ": element " + i + " expected " + e[i] + " but was " + a[i] + " (tolerance " + tol + ")");
            }
        }
    }
}
