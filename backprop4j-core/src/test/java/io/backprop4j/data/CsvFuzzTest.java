package io.backprop4j.data;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.backprop4j.FormatException;

/**
 * Fuzzes {@link Csv}: any bytes, read with three sets of options, either read to a consistent
 * {@link Table} or are refused with a {@link FormatException}. Seeds: {@code CsvFuzzTestInputs/}.
 */
class CsvFuzzTest {
    private static final Csv.Options[] OPTIONS = {
        Csv.Options.defaults(),
        Csv.Options.defaults().labelColumn(0).asRegression(),
        Csv.Options.defaults().noLabel(),
    };

    @FuzzTest(maxDuration = "2m")
    void read(byte[] input) {
        for (Csv.Options options : OPTIONS) {
            try {
                Table t = Csv.read(input, "fuzz.csv", options);
                // the record's constructor checks the sizes; a dataset must accept every table
                t.toDataset();
            } catch (FormatException expected) {
                // refused with a message: fine
            }
        }
    }
}
