package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.explain.Explainer;
import io.backprop4j.explain.Grader;
import io.backprop4j.explain.JsonRenderer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * explain --format json on recurrent specs against PyTorch (float64): the fixtures written by
 * tools/fixtures/make_rnn_explain_fixtures.py (2 to 4 steps, odd sizes, the loss on every state,
 * dense layers on the last one, or a dense layer on every state with the loss over every step;
 * batches, initial states, biases left out), read through the
 * same YAML reader the command uses; every number to 1e-9 relative, the per-step section of
 * backprop through time included. PyTorch's numbers read back as answers grade all correct
 * (every graded field, each step's contributions included; the rest of the per-step section is for reading).
 */
class ExplainRnnFixtureTest {
    static final Path FIXTURE = Path.of("../backprop4j-core/src/test/resources/fixtures/explain-rnn.json");
    static final double RTOL = 1e-9;
    /** For values that are 0 in exact arithmetic, where either side may hold a rounding residue. */
    static final double ATOL = 1e-14;

    @Test
    @SuppressWarnings("unchecked")
    void agreesWithPyTorchOnEveryRnnFixture() throws Exception {
        List<Map<String, Object>> cases = FixtureComparison.cases(FIXTURE, 60);
        var cmp = new FixtureComparison(RTOL, ATOL, 1e-6);
        int[] counted = {0};
        for (Map<String, Object> c : cases) {
            String name = (String) c.get("name");
            var spec = SpecYaml.readSpec(Json.write(c.get("spec")), name).value();
            var solution = Explainer.solve(spec);
            Object actual = Json.parse(JsonRenderer.render(solution), name);
            cmp.compare(name, c.get("expected"), actual);
            // PyTorch's numbers, read as a person's answers (nested as explain writes them), are all correct
            var report = Grader.grade(solution, SpecYaml.readAnswers(Json.write(c.get("expected")), name).value());
            assertTrue(report.allCorrect(), name + ": " + report.mistakes());
            assertEquals(cmp.numbers - counted[0] - ungraded(c.get("expected")), report.entries().size(), name + ": every field graded");
            counted[0] = cmp.numbers;
        }
        System.out.printf("explain rnn fixtures: %d cases, %d numbers, max relative error %.3g at %s%n",
                cases.size(), cmp.numbers, cmp.worst, cmp.where);
    }

    /**
     * The numbers check does not grade: the rnn layer's initial-state gradient and its per-step
     * section but for each step's contributions (weights_grad, weights_hh_grad, bias_grad).
     */
    @SuppressWarnings("unchecked")
    private static int ungraded(Object expected) {
        Map<String, Object> rnn = ((List<Map<String, Object>>) ((Map<String, Object>) expected).get("layers")).get(0);
        int n = count(rnn.get("steps")) + count(rnn.get("initial_state_grad"));
        for (Map<String, Object> step : (List<Map<String, Object>>) rnn.get("steps")) {
            for (String graded : List.of("weights_grad", "weights_hh_grad", "bias_grad")) n -= count(step.get(graded));
        }
        return n;
    }

    private static int count(Object o) {
        if (o instanceof Number) return 1;
        if (o instanceof List<?> l) return l.stream().mapToInt(ExplainRnnFixtureTest::count).sum();
        if (o instanceof Map<?, ?> m) return m.values().stream().mapToInt(ExplainRnnFixtureTest::count).sum();
        return 0;
    }
}
