package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Explain's JSON against a PyTorch fixture's, value by value: the same keys and lengths, every
 * number within {@code rtol·|expected| + atol}. Keeps the count of numbers compared and the worst
 * relative error among expected values above {@code floor} (smaller ones are born of cancellation).
 */
final class FixtureComparison {
    private final double rtol;
    private final double atol;
    private final double floor;
    /** Numbers compared so far. */
    int numbers;
    /** The worst relative error so far, and its JSON path. */
    double worst;
    String where = "";

    FixtureComparison(double rtol, double atol, double floor) {
        this.rtol = rtol;
        this.atol = atol;
        this.floor = floor;
    }

    /** The fixture file's cases (name, spec, expected), at least {@code min} of them. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases(Path fixture, int min) throws IOException {
        Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(fixture), fixture.toString());
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("cases");
        assertTrue(cases.size() >= min, "fixture cases: " + cases.size());
        return cases;
    }

    void compare(String path, Object expected, Object actual) {
        if (expected instanceof Map<?, ?> em) {
            if (!(actual instanceof Map<?, ?> am)) throw new AssertionError(path + ": expected an object, got " + actual);
            assertEquals(em.keySet(), am.keySet(), path + ": keys");
            for (Object k : em.keySet()) compare(path + "." + k, em.get(k), am.get(k));
        } else if (expected instanceof List<?> el) {
            if (!(actual instanceof List<?> al)) throw new AssertionError(path + ": expected a list, got " + actual);
            assertEquals(el.size(), al.size(), path + ": length");
            for (int i = 0; i < el.size(); i++) compare(path + "[" + i + "]", el.get(i), al.get(i));
        } else if (expected instanceof Number en) {
            if (!(actual instanceof Number an)) throw new AssertionError(path + ": expected a number, got " + actual);
            double e = en.doubleValue();
            double a = an.doubleValue();
            numbers++;
            double err = Math.abs(a - e);
            if (err > rtol * Math.abs(e) + atol) fail(path + ": " + a + " differs from PyTorch's " + e);
            if (Math.abs(e) > floor && err / Math.abs(e) > worst) {
                worst = err / Math.abs(e);
                where = path;
            }
        } else {
            assertEquals(expected, actual, path);
        }
    }
}
