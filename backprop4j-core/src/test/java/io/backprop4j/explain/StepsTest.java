package io.backprop4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.nn.Softmax;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each link of {@link Steps}, fed the true values it depends on, gives the true value that the
 * explainer recorded from one whole forward and backward pass: for every activation and loss,
 * with bias, batches, deep and wide layers.
 */
class StepsTest {
    private static void assertClose(String what, double[][] expected, double[][] actual) {
        assertEquals(expected.length, actual.length, what + ": rows");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i].length, actual[i].length, what + ": columns");
            for (int j = 0; j < expected[i].length; j++) {
                double e = expected[i][j];
                assertEquals(e, actual[i][j], 1e-12 * Math.max(1, Math.abs(e)), what + "[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void everyLinkWorkedFromTheTruthGivesTheTruth() {
        int checked = 0;
        for (Map.Entry<String, NetworkSpec> e : MarkdownRendererTest.networks().entrySet()) {
            NetworkSpec spec = e.getValue();
            StepSolution s = Explainer.solve(spec);
            Steps steps = new Steps(spec);
            Steps.Values truth = (l, f) -> s.layers().get(l).get(f);
            assertClose(e.getKey() + " loss", new double[][] {{s.loss()}}, steps.compute(-1, null, truth));
            for (int l = 0; l < spec.layers().size(); l++) {
                for (Field f : Field.values()) {
                    double[][] t = s.layers().get(l).get(f);
                    if (t == null) continue;
                    assertClose(e.getKey() + " layers[" + l + "]." + f.key(), t, steps.compute(l, f, truth));
                    checked++;
                }
            }
        }
        assertTrue(checked > 500, "quantities checked: " + checked);
    }

    @Test
    void softmaxBackwardIsTakenAtThePersonsOwnOutputs() {
        // outputs that do not sum to 1 (a slip in the first): s ⊙ (g − Σ s·g) on them as written
        double[][] s = {{0.2, 0.7, 0.3}};
        double[][] g = {{0.5, -1.0, 2.0}};
        double dot = 0.2 * 0.5 + 0.7 * -1.0 + 0.3 * 2.0;
        double[][] expected = {{0.2 * (0.5 - dot), 0.7 * (-1.0 - dot), 0.3 * (2.0 - dot)}};
        assertClose("net_grad", expected, Steps.netGradient(new Softmax(), new double[1][3], s, g));
    }

    @Test
    void crossEntropySkipsTheTermsOfZeroTargets() {
        NetworkSpec spec = MarkdownRendererTest.networks().get("one layer");
        Steps steps = new Steps(spec);
        double[][] y = spec.target();
        double[][] p = new double[1][y[0].length];
        double expected = 0;
        for (int j = 0; j < p[0].length; j++) {
            p[0][j] = y[0][j] == 0 ? 0 : 0.6;   // a person's own output of 0 where the target is 0
            if (y[0][j] != 0) expected -= y[0][j] * Math.log(0.6);
        }
        assertEquals(expected, Steps.lossValue(steps.loss(spec.loss()), p)[0][0], 1e-15);
        double[][] grad = Steps.lossGradient(steps.loss(spec.loss()), p);
        for (int j = 0; j < p[0].length; j++) assertEquals(y[0][j] == 0 ? 0 : -y[0][j] / 0.6, grad[0][j], 1e-15);
    }
}
