package io.backprop4j.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.backprop4j.FormatException;
import io.backprop4j.nn.Sequential;
import java.util.SplittableRandom;

/**
 * Fuzzes {@link Onnx#fromBytes}: any bytes either load as a Sequential or are refused with a
 * {@link FormatException} of one line; nothing else escapes (no IndexOutOfBounds, no
 * NullPointerException, no OutOfMemoryError from a size the file claims). A model that loads is
 * encoded again and must decode to the same graph. The seeds under {@code OnnxFuzzTestInputs/}
 * are PyTorch exports to mutate.
 */
class OnnxFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void read(byte[] input) {
        Sequential model;
        try {
            model = Onnx.fromBytes(input, "fuzz.onnx", new SplittableRandom(0));
        } catch (FormatException expected) {
            assertEquals(1, expected.getMessage().lines().count(), expected.getMessage());
            return;
        }
        OnnxFile.Model decoded = OnnxFile.decode(input);
        OnnxFile.Model again = OnnxFile.decode(OnnxFile.encode(decoded));
        assertEquals(decoded.graph().nodes().size(), again.graph().nodes().size());
        assertEquals(decoded.graph().initializers().keySet(), again.graph().initializers().keySet());
        assertEquals(model.layers().size(), Onnx.fromBytes(OnnxFile.encode(decoded), "again.onnx", new SplittableRandom(0)).layers().size());
    }
}
