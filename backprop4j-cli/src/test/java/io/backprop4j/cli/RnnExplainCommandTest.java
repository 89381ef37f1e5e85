package io.backprop4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** explain and check on the recurrent example spec (backprop through time), and the one-line refusals of bad rnn specs. */
class RnnExplainCommandTest {
    static final Path EXAMPLE = Path.of("../backprop4j-examples/rnn/rnn-step.yaml");
    static final Path ANSWERS = Path.of("../backprop4j-examples/rnn/rnn-step-answers.yaml");

    @Test
    void explainWorksBackpropThroughTimeInEveryFormat() {
        CliRun text = CliRun.of("explain", EXAMPLE.toString());
        assertEquals(0, text.status(), text.err());
        String out = text.out();
        assertTrue(out.contains("net₂,₁ = 0.5·0.5 + (-0.3)·(-1) + 0.1 + 0.6·0.53705 + (-0.2)·0.099668 + 0 = 0.952296"), out);
        assertTrue(out.contains("h₂,₁ = tanh(0.952296) = 0.740821"), out);
        // the state's gradient: from above (0 before the last step) plus the path back through W_hh
        assertTrue(out.contains("∂L/∂h₂,₁ = 0 + ((-1.09813)·0.6 + 0.337586·0.3) = 0 + (-0.557602) = -0.557602"), out);
        assertTrue(out.contains("∂L/∂net₂,₁ = (-0.557602)·(1 − 0.740821²) = (-0.557602)·0.451185 = -0.251581"), out);
        // a weight's gradient: one contribution per step, and their sum
        assertTrue(out.contains("∂L/∂w^(hh)₁,₁ = (-0.027389)·0 + (-0.251581)·0.53705 + (-1.09813)·0.740821 = 0 + (-0.135112) + (-0.813517) = -0.948629"), out);
        assertTrue(out.contains("w^(hh)₁,₁  0      -0.135112   -0.813517   -0.948629"), out);
        assertTrue(out.contains("net o₁ = (-0.0181394)·0.7 + 0.679848·(-0.4) = -0.284637"), "the dense layer reads h_3: " + out);
        for (String f : List.of("markdown", "html", "json")) {
            CliRun r = CliRun.of("explain", "--format", f, EXAMPLE.toString());
            assertEquals(0, r.status(), f + ": " + r.err());
        }
        String html = CliRun.of("explain", "--format", "html", EXAMPLE.toString()).out();
        assertTrue(html.contains("A recurrent network is not drawn"), "a sentence in place of the drawing");
        assertTrue(html.contains("\"type\": \"rnn\", \"weights_ih\": [[0.5, -0.3], [0.2, 0.4]]"), "the spec embedded as the spec file writes it");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theJsonHasAStepByStepSectionAndChecksAllCorrect(@TempDir Path dir) throws Exception {
        String json = CliRun.of("explain", "--format", "json", EXAMPLE.toString()).out();
        Map<String, Object> root = (Map<String, Object>) Json.parse(json, "json");
        Map<String, Object> rnn = ((List<Map<String, Object>>) root.get("layers")).get(0);
        List<Map<String, Object>> steps = (List<Map<String, Object>>) rnn.get("steps");
        assertEquals(3, steps.size());
        // each weight's gradient is the sum of the steps' contributions
        List<List<Number>> total = (List<List<Number>>) rnn.get("weights_hh_grad");
        double sum = 0;
        for (Map<String, Object> st : steps) sum += ((List<List<Number>>) st.get("weights_hh_grad")).get(0).get(0).doubleValue();
        assertEquals(total.get(0).get(0).doubleValue(), sum, 1e-15);
        assertEquals(List.of(0.0, 0.0), steps.get(2).get("h_grad_recurrent"), "nothing comes back to the last step");
        Path right = dir.resolve("right.json");
        Files.writeString(right, json);
        CliRun ok = CliRun.of("check", EXAMPLE.toString(), right.toString());
        assertEquals(0, ok.status(), ok.out() + ok.err());
        // 57 numbers of the layers' fields and the loss, and 30 of the steps' contributions (3 steps x (4 + 4 + 2))
        assertTrue(ok.out().contains("87 numbers, 87 correct"), ok.out());

        // a single sequence's per-step fields are steps x hidden; another shape names both
        Path shape = dir.resolve("shape.json");
        Files.writeString(shape, "{\"layers\": [{\"net\": [[1, 2, 3], [4, 5, 6]]}]}");
        CliRun s = CliRun.of("check", EXAMPLE.toString(), shape.toString());
        assertEquals(2, s.status(), s.out() + s.err());
        assertTrue(s.err().contains("layers[0].net: is 2 x 3, but the network's is 3 x 2 (steps x hidden)"), s.err());
    }

    @Test
    @SuppressWarnings("unchecked")
    void checkGradesEachStepsContributionsAndNamesTheBpttMistakeThere(@TempDir Path dir) throws Exception {
        Map<String, Object> root = (Map<String, Object>) Json.parse(CliRun.of("explain", "--format", "json", EXAMPLE.toString()).out(), "json");
        Map<String, Object> rnn = ((List<Map<String, Object>>) root.get("layers")).get(0);
        List<Map<String, Object>> steps = (List<Map<String, Object>>) rnn.get("steps");
        // step 2's part of dL/dW_hh taken with its own state h_2 where h_1, the state it read, belongs
        List<Number> dnet = (List<Number>) steps.get(1).get("net_grad");
        List<Number> h2 = (List<Number>) steps.get(1).get("h");
        String planted = Double.toString(dnet.get(0).doubleValue() * h2.get(1).doubleValue());
        Path answers = dir.resolve("steps.yaml");
        Files.writeString(answers, "layers:\n  - steps:\n      - {t: 1}\n      - {t: 2, weights_hh_grad: [[null, " + planted + "], [null, null]]}\n");
        CliRun r = CliRun.of("check", EXAMPLE.toString(), answers.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("0 correct, 1 wrong"), r.out());
        assertTrue(r.out().contains("layers[0].steps[1].weights_hh_grad[0][1]"), r.out());
        assertTrue(r.out().contains("h_t used where h_(t−1) belongs: step t's part of ∂L/∂W_hh"), r.out());
        // a step's contribution of the wrong shape names the field and both shapes
        Files.writeString(answers, "layers:\n  - steps:\n      - {weights_grad: [1, 2, 3]}\n      - {}\n      - {}\n");
        CliRun s = CliRun.of("check", EXAMPLE.toString(), answers.toString());
        assertEquals(2, s.status(), s.out() + s.err());
        assertEquals(1, s.err().lines().count(), s.err());
        assertTrue(s.err().contains("layers[0].steps[0].weights_grad: has 3 values, but a step's part is 2 x 2 (hidden x features)"), s.err());
    }

    @Test
    void theExampleAnswersGetTheirTwoBpttMistakesNamed() {
        CliRun r = CliRun.of("check", EXAMPLE.toString(), ANSWERS.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        String out = r.out();
        assertTrue(out.contains("2 mistakes (6 numbers); 2 numbers carried over from them."), out);
        assertTrue(out.contains("1. FIRST MISTAKE layers[0].output_grad[1][0]: 0, true -0.557602: missing a chain-rule term: the recurrent path left out"), out);
        assertTrue(out.contains("layers[0].output_grad[0][0]: 0, true -0.0384905, from your own layers[0].output_grad[1][0]"), out);
        assertTrue(out.contains("2. layers[0].weights_hh_grad[0][0]: -0.1812, true -0.948629: h_t used where h_(t−1) belongs"), out);
        CliRun json = CliRun.of("check", EXAMPLE.toString(), ANSWERS.toString(), "--format", "json");
        assertTrue(json.out().contains("\"kind\": \"wrong_state\""), json.out());
        CliRun html = CliRun.of("check", EXAMPLE.toString(), ANSWERS.toString(), "--format", "html");
        assertEquals(1, html.status(), html.err());
        assertTrue(html.out().contains("data-path=\"layers[0].weights_hh_grad[1][1]\""), "the _hh fields in place on the page");
    }

    private static CliRun explain(Path dir, String spec) throws Exception {
        Path p = dir.resolve("bad.yaml");
        Files.writeString(p, spec);
        return CliRun.of("explain", p.toString());
    }

    private static final String SEQ = "input: [[1, 0], [0.5, -1], [0, 2]]\ntarget: [0.5]\nloss: mse\n";
    private static final String DENSE = "  - {weights: [[0.7], [-0.4]], activation: identity}\n";

    /** Refused with exit 2 on one line that holds {@code message}. */
    private static void refused(CliRun r, String message) {
        assertEquals(2, r.status(), r.out() + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(message), r.err());
    }

    @Test
    void badRnnSpecsGetOneLineNamingTheField(@TempDir Path dir) throws Exception {
        refused(explain(dir, SEQ + "layers:\n  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]]}\n" + DENSE),
                "layers[0].weights_hh: missing; expected a matrix, hidden x hidden");
        refused(explain(dir, SEQ + "layers:\n  - {type: rnn, weights_ih: [[0.5, -0.3, 1]], weights_hh: [[1]]}\n  - {weights: [[0.7]], activation: identity}\n"),
                "layers[0].weights_ih: is 1 x 3 (hidden x features, PyTorch's layout), but the input gives 3 x 2 (steps x features): it needs 2 columns");
        refused(explain(dir, SEQ + "layers:\n  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]], weights_hh: [[1, 2, 3], [1, 2, 3]]}\n" + DENSE),
                "layers[0].weights_hh: is 2 x 3, but weights_ih gives 2 hidden units (2 x 2): it needs 2 x 2");
        refused(explain(dir, SEQ + "layers:\n  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]], weights_hh: [[1, 2], [1, 2]], bias_hh: [1, 2, 3]}\n" + DENSE),
                "layers[0].bias_hh: has 3 values, but the layer has 2 hidden units");
        refused(explain(dir, SEQ + "layers:\n  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]], weights_hh: [[1, 2], [1, 2]], initial_state: [1, 2, 3]}\n" + DENSE),
                "layers[0].initial_state: is 1 x 3, but the layer has 2 hidden units: it needs 2 values");
        refused(explain(dir, SEQ + "layers:\n  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]], weights_hh: [[1, 2], [1, 2]], activation: relu}\n" + DENSE),
                "layers[0].activation: found 'relu' (a string); an rnn layer uses tanh");
        refused(explain(dir, SEQ + "layers:\n  - {type: rnn, weights: [[0.5, -0.3], [0.2, 0.4]], weights_hh: [[1, 2], [1, 2]]}\n" + DENSE),
                "layers[0]: unknown key 'weights'; expected type, weights_ih, bias_ih, weights_hh, bias_hh, initial_state, activation");
        refused(explain(dir, SEQ + "layers:\n  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]], weights_hh: [[1, 2], [1, 2]]}\n"
                + "  - {weights: [[0.7], [-0.4], [1]], activation: identity}\n"),
                "layers[1].weights: is 3 x 1 (inputs x units), but layer 0 (rnn)'s last state has 2 units: it needs 2 rows");
        refused(explain(dir, SEQ + "layers:\n  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]], weights_hh: [[1, 2], [1, 2]]}\n"),
                "target: is 1; the loss takes every state of the rnn: expected steps x hidden numbers (3 x 2)");
        refused(explain(dir, SEQ.replace("[0.5]", "[[1, 2, 3], [4, 5, 6]]") + "layers:\n  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]], "
                + "weights_hh: [[1, 2], [1, 2]]}\n"), "target: is 2 x 3, but the rnn's states are 3 x 2 (steps x hidden): a target per state");
        refused(explain(dir, SEQ + "layers:\n" + DENSE + "  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]], weights_hh: [[1, 2], [1, 2]]}\n"),
                "layers[1]: an rnn layer takes the input sequence (steps x features): make it layer 0");
        refused(explain(dir, "input: [1, 2]\ntarget: [0.5]\nloss: mse\nlayers:\n  - {type: rnn, weights_ih: [[0.5, -0.3], [0.2, 0.4]], "
                + "weights_hh: [[1, 2], [1, 2]]}\n" + DENSE), "input: is 2; an rnn takes steps x features (a list per step), or batch x steps x features");
        refused(explain(dir, SEQ.replace("mse", "binary_cross_entropy").replace("[0.5]", "[[0.5, 1], [1, 0], [0, 0]]")
                + "layers:\n  - {type: rnn, weights_ih: [[-0.5, -0.3], [0.2, 0.4]], weights_hh: [[1, 2], [1, 2]]}\n"),
                "loss: binary_cross_entropy needs outputs in (0, 1) (probabilities), but layer 0 (tanh) gives");
    }
}
