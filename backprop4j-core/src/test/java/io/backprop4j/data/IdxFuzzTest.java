package io.backprop4j.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.backprop4j.FormatException;

/**
 * Fuzzes {@link Idx}: any bytes, read as images and as labels, either read or are refused with a
 * {@link FormatException}. Seeds (plain and gzipped IDX files): {@code IdxFuzzTestInputs/}.
 */
class IdxFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void read(byte[] input) {
        try {
            Idx.readImages(input, "fuzz-images");
        } catch (FormatException expected) {
            // refused with a message: fine
        }
        try {
            Idx.readLabels(input, "fuzz-labels");
        } catch (FormatException expected) {
            // refused with a message: fine
        }
    }
}
