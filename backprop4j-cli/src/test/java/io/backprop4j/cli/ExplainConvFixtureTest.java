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
 * explain --format json on convolutional specs against PyTorch (float64): the fixtures written by
 * tools/fixtures/make_conv_explain_fixtures.py (random shapes, strides, paddings, both pools), read
 * through the same YAML reader the command uses; every number to 1e-9 relative. PyTorch's numbers
 * read back as answers (check's reader, nested layouts) grade all correct.
 */
class ExplainConvFixtureTest {
    static final Path FIXTURE = Path.of("../backprop4j-core/src/test/resources/fixtures/explain-conv.json");
    static final double RTOL = 1e-9;
    /** For values that are 0 in exact arithmetic, where either side may hold a rounding residue. */
    static final double ATOL = 1e-14;

    @Test
    void agreesWithPyTorchOnEveryConvFixture() throws Exception {
        List<Map<String, Object>> cases = FixtureComparison.cases(FIXTURE, 50);
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
            assertEquals(cmp.numbers - counted[0], report.entries().size(), name + ": every number graded");
            counted[0] = cmp.numbers;
        }
        System.out.printf("explain conv fixtures: %d cases, %d numbers, max relative error %.3g at %s%n",
                cases.size(), cmp.numbers, cmp.worst, cmp.where);
    }
}
