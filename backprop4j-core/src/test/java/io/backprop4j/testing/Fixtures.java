package io.backprop4j.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.backprop4j.internal.Json;
import io.backprop4j.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** Reads the PyTorch fixtures written by tools/fixtures/make_fixtures.py and compares tensors. */
public final class Fixtures {
    private Fixtures() {}

    /** The "cases" of fixtures/NAME.json. */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> cases(String name) {
        try (InputStream in = Fixtures.class.getResourceAsStream("/fixtures/" + name + ".json")) {
            if (in == null) throw new IllegalStateException("missing fixture " + name + ".json; run tools/fixtures/make_fixtures.py");
            Map<String, Object> root = (Map<String, Object>) Json.parse(in.readAllBytes(), name + ".json");
            return (List<Map<String, Object>>) root.get("cases");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A float64 tensor from {"shape": [...], "data": [...]}. */
    @SuppressWarnings("unchecked")
    public static Tensor tensor(Object encoded) {
        Map<String, Object> m = (Map<String, Object>) encoded;
        int[] shape = ((List<Object>) m.get("shape")).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
        double[] data = ((List<Object>) m.get("data")).stream().mapToDouble(o -> ((Number) o).doubleValue()).toArray();
        return Tensor.of(data, shape);
    }

    /** Integer indices from {"shape": [n], "data": [...]}. */
    @SuppressWarnings("unchecked")
    public static int[] indices(Object encoded) {
        Map<String, Object> m = (Map<String, Object>) encoded;
        return ((List<Object>) m.get("data")).stream().mapToInt(o -> ((Number) o).intValue()).toArray();
    }

    /** Asserts same shape and |a - e| ≤ rtol |e| + atol everywhere, naming the first bad element. */
    public static void assertClose(String what, Tensor expected, Tensor actual, double rtol, double atol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] e = expected.toDoubleArray(), a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            boolean ok = (Double.isNaN(e[i]) && Double.isNaN(a[i])) || e[i] == a[i]
                    || Math.abs(a[i] - e[i]) <= rtol * Math.abs(e[i]) + atol;
            if (!ok) fail(what + ": element " + i + " expected " + e[i] + " but was " + a[i]);
        }
    }
}
