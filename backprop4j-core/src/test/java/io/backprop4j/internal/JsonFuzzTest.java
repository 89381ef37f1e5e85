package io.backprop4j.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.backprop4j.FormatException;

/**
 * Fuzzes {@link Json}: any bytes either parse or are refused with a {@link FormatException}; what
 * parses writes back (compact and pretty) to text that parses to an equal value.
 *
 * <p>{@code mvn verify} runs the seeds under {@code JsonFuzzTestInputs/}; {@code tools/fuzz/run-fuzz}
 * fuzzes.
 */
class JsonFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void parse(byte[] input) {
        Object value;
        try {
            value = Json.parse(input, "fuzz.json");
        } catch (FormatException expected) {
            return;
        }
        assertEquals(value, Json.parse(Json.write(value), "written"));
        assertEquals(value, Json.parse(Json.writePretty(value), "written pretty"));
    }
}
