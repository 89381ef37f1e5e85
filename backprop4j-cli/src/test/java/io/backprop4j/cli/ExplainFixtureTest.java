package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.backprop4j.explain.Explainer;
import io.backprop4j.explain.JsonRenderer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * explain --format json against PyTorch (float64): the fixtures written by
 * tools/fixtures/make_fixtures.py, read through the same YAML reader the command uses.
 */
class ExplainFixtureTest {
    static final Path FIXTURE = Path.of("../backprop4j-core/src/test/resources/fixtures/explain.json");
    static final double RTOL = 1e-7;
    static final double ATOL = 1e-12;

    @Test
    void agreesWithPyTorchOnEveryFixture() throws Exception {
        List<Map<String, Object>> cases = FixtureComparison.cases(FIXTURE, 100);
        assertEquals("seed-6.1", cases.get(0).get("name"));
        var cmp = new FixtureComparison(RTOL, ATOL, 1e-9);
        for (Map<String, Object> c : cases) {
            String name = (String) c.get("name");
            var spec = SpecYaml.readSpec(Json.write(c.get("spec")), name).value();
            Object actual = Json.parse(JsonRenderer.render(Explainer.solve(spec)), name);
            cmp.compare(name, c.get("expected"), actual);
        }
        System.out.printf("explain fixtures: %d cases, %d numbers, max relative error %.3g at %s%n",
                cases.size(), cmp.numbers, cmp.worst, cmp.where);
    }
}
