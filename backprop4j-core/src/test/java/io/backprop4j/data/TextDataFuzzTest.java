package io.backprop4j.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.backprop4j.FormatException;

/**
 * Fuzzes {@link TextData#parse}: any bytes either read to lines whose characters are all in the
 * vocabulary, whose split and windows are consistent, or are refused with a {@link FormatException}.
 * Seeds: {@code TextDataFuzzTestInputs/}.
 */
class TextDataFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void parse(byte[] input) {
        TextData text;
        try {
            text = TextData.parse(input, "fuzz.txt");
        } catch (FormatException expected) {
            return;   // refused with a message: fine
        }
        long characters = 0;
        for (String line : text.lines()) {
            if (line.isEmpty()) throw new AssertionError("an empty line was kept");
            text.vocabulary().encode(line);   // throws when a character is missing
            characters += line.codePointCount(0, line.length()) + 1;
        }
        TextData.Splits s = text.split(7, 3);
        long examples = (long) s.train().size() + s.validation().size() + s.test().size();
        if (examples != characters) throw new AssertionError(examples + " examples for " + characters + " characters");
        if (s.train().size() > 0) {
            CharWindows.Batch b = s.train().batch(new int[] {0, s.train().size() - 1});
            for (double v : b.inputs().toDoubleArray()) {
                if (v < 0 || v >= text.vocabulary().size()) throw new AssertionError("token " + v + " outside the vocabulary");
            }
            for (double v : s.train().sequenceBatch(new int[] {s.train().size() - 1}).targets().toDoubleArray()) {
                if (v != CharWindows.IGNORE && (v < 0 || v >= text.vocabulary().size())) throw new AssertionError("target " + v);
            }
        }
    }
}
