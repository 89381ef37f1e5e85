package io.backprop4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.backprop4j.FormatException;
import io.backprop4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes {@link Safetensors#fromBytes}: any bytes either read or are refused with a
 * {@link FormatException}; what reads writes back to bytes that read to the same tensors.
 * The seeds under {@code SafetensorsFuzzTestInputs/} are valid files to mutate.
 */
class SafetensorsFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void read(byte[] input) {
        Safetensors.Contents contents;
        try {
            contents = Safetensors.fromBytes(input, "fuzz.safetensors");
        } catch (FormatException expected) {
            return;
        }
        Map<String, String> metadata = new LinkedHashMap<>(contents.metadata());
        Safetensors.Contents again = Safetensors.fromBytes(Safetensors.toBytes(contents.tensors(), metadata), "written");
        assertEquals(contents.tensors().keySet(), again.tensors().keySet());
        for (var e : contents.tensors().entrySet()) {
            Tensor a = e.getValue();
            Tensor b = again.tensors().get(e.getKey());
            assertEquals(a.dtype(), b.dtype());
            assertArrayEquals(a.shape(), b.shape());
            assertArrayEquals(a.toDoubleArray(), b.toDoubleArray());
        }
    }
}
