package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.backprop4j.explain.Explainer;
import io.backprop4j.explain.Grader;
import io.backprop4j.explain.JsonRenderer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * explain --format json on recurrent specs against PyTorch (float64): the fixtures written by
 * tools/fixtures/make_rnn_explain_fixtures.py (2 to 4 steps, odd sizes, the loss on every state
 * or dense layers on the last one, batches, initial states, biases left out), read through the
 * same YAML reader the command uses; every number to 1e-9 relative, the per-step section of
 * backprop through time included. PyTorch's numbers read back as answers grade all correct
 * (every graded field; the per-step section is for reading).
 */
class ExplainRnnFixtureTest {
    static final Path FIXTURE = Path.of("../backprop4j-core/src/test/resources/fixtures/explain-rnn.json");
    static final double RTOL = 1e-9;
    /** For values that are 0 in exact arithmetic, where either side may hold a rounding residue. */
    static final double ATOL = 1e-14;

    @Test
    @SuppressWarnings("unchecked")
    void agreesWithPyTorchOnEveryConvFixture() throws Exception {
        Map<String, Object> root = (Map<String, Object>) Json.parse(Files.readString(FIXTURE), FIXTURE.toString());
        List<Map<String, Object>> cases = (List<Map<String, Object>>) root.get("cases");
        assertTrue(cases.size() >= 40, "fixture cases: " + cases.size());
        double[] worst = {0};
        String[] where = {""};
        int[] numbers = {0};
        int[] counted = {0};
        for (Map<String, Object> c : cases) {
            String name = (String) c.get("name");
            var spec = SpecYaml.readSpec(Json.write(c.get("spec")), name).value();
            var solution = Explainer.solve(spec);
            Object actual = Json.parse(JsonRenderer.render(solution), name);
            compare(name, c.get("expected"), actual, name, worst, where, numbers);
            // PyTorch's numbers, read as a person's answers (nested as explain writes them), are all correct
            var report = Grader.grade(solution, SpecYaml.readAnswers(Json.write(c.get("expected")), name).value());
            assertTrue(report.allCorrect(), name + ": " + report.mistakes());
            assertEquals(numbers[0] - counted[0] - ungraded(c.get("expected")), report.entries().size(), name + ": every field graded");
            counted[0] = numbers[0];
        }
        System.out.printf("explain rnn fixtures: %d cases, %d numbers, max relative error %.3g at %s%n",
                cases.size(), numbers[0], worst[0], where[0]);
    }

    /** The numbers of the rnn layer's per-step section and initial-state gradient, which check does not grade. */
    @SuppressWarnings("unchecked")
    private static int ungraded(Object expected) {
        Map<String, Object> rnn = ((List<Map<String, Object>>) ((Map<String, Object>) expected).get("layers")).get(0);
        return count(rnn.get("steps")) + count(rnn.get("initial_state_grad"));
    }

    private static int count(Object o) {
        if (o instanceof Number) return 1;
        if (o instanceof List<?> l) return l.stream().mapToInt(ExplainRnnFixtureTest::count).sum();
        if (o instanceof Map<?, ?> m) return m.values().stream().mapToInt(ExplainRnnFixtureTest::count).sum();
        return 0;
    }

    @SuppressWarnings("unchecked")
    private static void compare(String path, Object expected, Object actual, String name, double[] worst, String[] where, int[] numbers) {
        if (expected instanceof Map<?, ?> em) {
            if (!(actual instanceof Map<?, ?> am)) throw new AssertionError(path + ": expected an object, got " + actual);
            assertEquals(em.keySet(), am.keySet(), path + ": keys");
            for (Object k : em.keySet()) compare(path + "." + k, em.get(k), am.get(k), name, worst, where, numbers);
        } else if (expected instanceof List<?> el) {
            if (!(actual instanceof List<?> al)) throw new AssertionError(path + ": expected a list, got " + actual);
            assertEquals(el.size(), al.size(), path + ": length");
            for (int i = 0; i < el.size(); i++) compare(path + "[" + i + "]", el.get(i), al.get(i), name, worst, where, numbers);
        } else if (expected instanceof Number en) {
            if (!(actual instanceof Number an)) throw new AssertionError(path + ": expected a number, got " + actual);
            double e = en.doubleValue();
            double a = an.doubleValue();
            numbers[0]++;
            double err = Math.abs(a - e);
            if (err > RTOL * Math.abs(e) + ATOL) fail(path + ": " + a + " differs from PyTorch's " + e);
            if (Math.abs(e) > 1e-6) { // the worst relative error among values not born of cancellation
                double rel = err / Math.abs(e);
                if (rel > worst[0]) {
                    worst[0] = rel;
                    where[0] = path;
                }
            }
        } else {
            assertEquals(expected, actual, path);
        }
    }
}
