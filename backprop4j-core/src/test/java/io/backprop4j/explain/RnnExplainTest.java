package io.backprop4j.explain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Sigmoid;
import io.backprop4j.nn.Tanh;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * explain's backprop through time for an rnn layer, checked without PyTorch: every parameter's
 * gradient (and h_0's) against central differences of the loss that {@link Explainer} computes,
 * the steps' contributions summing to each gradient, each state's gradient the sum of its parts,
 * and the spec's refusals naming the field.
 */
class RnnExplainTest {
    private static double[][] rand(Random r, int n, int m) {
        double[][] a = new double[n][m];
        for (double[] row : a) for (int j = 0; j < m; j++) row[j] = r.nextDouble() * 2 - 1;
        return a;
    }

    /** A batch of 2 sequences of 4 steps x 3 features, an rnn of 5 (both biases, an initial state per sample), a dense sigmoid layer of 2, bce. */
    private static NetworkSpec spec(double[][] wih, double[] bih, double[][] whh, double[] bhh, double[][] h0, double[][] dense) {
        double[][] x = new double[2][12];
        Random r = new Random(5);
        for (double[] row : x) for (int i = 0; i < 12; i++) row[i] = r.nextDouble() * 4 - 2;
        return new NetworkSpec(x, true, new int[] {4, 3}, new double[][] {{1, 0}, {0, 1}},
                List.of(NetworkSpec.Layer.rnn(wih, bih, whh, bhh, h0), new NetworkSpec.Layer(dense, null, new Sigmoid())),
                Loss.BINARY_CROSS_ENTROPY, 0.1);
    }

    private static double[][] copy(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) c[i] = m[i].clone();
        return c;
    }

    /** The central difference of the loss at entry [i][j] of one matrix (the others fixed), eps 1e-6. */
    private static double numeric(double[][] m, int i, int j, UnaryOperator<double[][]> lossAt) {
        double[][] up = copy(m);
        double[][] down = copy(m);
        up[i][j] += 1e-6;
        down[i][j] -= 1e-6;
        return (lossAt.apply(up)[0][0] - lossAt.apply(down)[0][0]) / 2e-6;
    }

    private static void agree(String what, double[][] analytic, double[][] m, UnaryOperator<double[][]> lossAt) {
        for (int i = 0; i < m.length; i++) {
            for (int j = 0; j < m[i].length; j++) {
                double n = numeric(m, i, j, lossAt);
                assertEquals(n, analytic[i][j], 1e-6 * Math.max(1, Math.abs(n)), what + "[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void everyGradientIsTheLossesCentralDifference() {
        Random r = new Random(16);
        double[][] wih = rand(r, 5, 3);
        double[][] bih = rand(r, 1, 5);
        double[][] whh = rand(r, 5, 5);
        double[][] bhh = rand(r, 1, 5);
        double[][] h0 = rand(r, 2, 5);
        double[][] dense = rand(r, 5, 2);
        StepSolution s = Explainer.solve(spec(wih, bih[0], whh, bhh[0], h0, dense));
        StepSolution.LayerStep l0 = s.layers().get(0);
        StepSolution.Recurrent rec = l0.recurrent();
        agree("weights_ih", l0.weightsGrad(), wih, m -> new double[][] {{Explainer.solve(spec(m, bih[0], whh, bhh[0], h0, dense)).loss()}});
        agree("weights_hh", rec.weightsHhGrad(), whh, m -> new double[][] {{Explainer.solve(spec(wih, bih[0], m, bhh[0], h0, dense)).loss()}});
        agree("bias_ih", new double[][] {l0.biasGrad()}, bih, m -> new double[][] {{Explainer.solve(spec(wih, m[0], whh, bhh[0], h0, dense)).loss()}});
        agree("bias_hh", new double[][] {rec.biasHhGrad()}, bhh, m -> new double[][] {{Explainer.solve(spec(wih, bih[0], whh, m[0], h0, dense)).loss()}});
        agree("initial_state", rec.initialStateGrad(), h0, m -> new double[][] {{Explainer.solve(spec(wih, bih[0], whh, bhh[0], m, dense)).loss()}});
        agree("dense", s.layers().get(1).weightsGrad(), dense, m -> new double[][] {{Explainer.solve(spec(wih, bih[0], whh, bhh[0], h0, m)).loss()}});
    }

    /**
     * A batch of 2 sequences of 3 steps x 2 features, an rnn of 3 (both biases), a dense softmax
     * layer of 4 on every state, cross-entropy over the 6 steps (one class per step).
     */
    private static NetworkSpec stepsSpec(double[][] wih, double[][] whh, double[][] dense, double[] bias) {
        double[][] x = new double[2][6];
        Random r = new Random(6);
        for (double[] row : x) for (int i = 0; i < 6; i++) row[i] = r.nextDouble() * 4 - 2;
        double[][] y = {{0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0}, {0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0}};
        return new NetworkSpec(x, true, new int[] {3, 2}, y, List.of(NetworkSpec.Layer.rnn(wih, new double[] {0.1, -0.2, 0.05}, whh,
                new double[] {0, 0.1, -0.1}, null), NetworkSpec.Layer.denseEveryStep(dense, bias, new io.backprop4j.nn.Softmax())),
                Loss.CROSS_ENTROPY, 0.1);
    }

    @Test
    void aDenseLayerOnEveryStateHasTheLossesCentralDifferenceAsItsGradients() {
        Random r = new Random(18);
        double[][] wih = rand(r, 3, 2);
        double[][] whh = rand(r, 3, 3);
        double[][] dense = rand(r, 3, 4);
        double[][] bias = rand(r, 1, 4);
        StepSolution s = Explainer.solve(stepsSpec(wih, whh, dense, bias[0]));
        agree("weights_ih", s.layers().get(0).weightsGrad(), wih, m -> new double[][] {{Explainer.solve(stepsSpec(m, whh, dense, bias[0])).loss()}});
        agree("weights_hh", s.layers().get(0).recurrent().weightsHhGrad(), whh,
                m -> new double[][] {{Explainer.solve(stepsSpec(wih, m, dense, bias[0])).loss()}});
        agree("dense", s.layers().get(1).weightsGrad(), dense, m -> new double[][] {{Explainer.solve(stepsSpec(wih, whh, m, bias[0])).loss()}});
        agree("bias", new double[][] {s.layers().get(1).biasGrad()}, bias, m -> new double[][] {{Explainer.solve(stepsSpec(wih, whh, dense, m[0])).loss()}});
        // the loss is the mean over the 6 steps of −ln p[class], each step's softmax on its own
        double[][] p = s.layers().get(1).output();
        double[][] y = s.spec().target();
        double want = 0;
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 3; t++) {
                double sum = 0;
                for (int k = 0; k < 4; k++) sum += p[b][t * 4 + k];
                assertEquals(1, sum, 1e-12, "a softmax per step");
                for (int k = 0; k < 4; k++) if (y[b][t * 4 + k] == 1) want -= Math.log(p[b][t * 4 + k]) / 6;
            }
        }
        assertEquals(want, s.loss(), 1e-12);
        double[] parts = new Steps(s.spec()).stepLosses(p);
        assertEquals(s.loss(), parts[0] + parts[1] + parts[2], 1e-12, "the steps' parts add up to the loss");
        // every state gets a gradient from the output at its step
        StepSolution.Recurrent rec = s.layers().get(0).recurrent();
        for (int c = 0; c < 9; c++) assertTrue(rec.fromAbove()[0][c] != 0, "from the output at every step: " + c);
    }

    @Test
    void aDenseLayerOnEveryStateIsRefusedWhereItCannotBe() {
        double[][] x = {{1, 2, 3, 4, 5, 6}};
        double[][] wih = {{0.1, 0.2}, {0.3, 0.4}};
        double[][] whh = {{0.1, 0}, {0, 0.1}};
        var steps = NetworkSpec.Layer.denseEveryStep(new double[][] {{1, 0}, {0, 1}}, null, new Tanh());
        SpecException first = assertThrows(SpecException.class, () -> new NetworkSpec(new double[][] {{1, 2}}, false, new double[][] {{0, 0}},
                List.of(steps), Loss.MSE, null));
        assertEquals("layers[0].every_step", first.field(), first.getMessage());
        SpecException notLast = assertThrows(SpecException.class, () -> new NetworkSpec(x, false, new int[] {3, 2}, new double[][] {{0}},
                List.of(NetworkSpec.Layer.rnn(wih, null, whh, null, null), steps, new NetworkSpec.Layer(new double[][] {{1}, {1}}, null, new Tanh())),
                Loss.MSE, null));
        assertEquals("layers[1].every_step", notLast.field(), notLast.getMessage());
        SpecException target = assertThrows(SpecException.class, () -> new NetworkSpec(x, false, new int[] {3, 2}, new double[][] {{0, 1}},
                List.of(NetworkSpec.Layer.rnn(wih, null, whh, null, null), steps), Loss.MSE, null));
        assertEquals("target", target.field());
        assertTrue(target.getMessage().contains("the dense layer's outputs on every step are 3 x 2 (steps x units): a target per step"), target.getMessage());
    }

    @Test
    void theStepsAddUpToEachGradientAndEachStatesGradient() {
        Random r = new Random(17);
        StepSolution s = Explainer.solve(spec(rand(r, 5, 3), rand(r, 1, 5)[0], rand(r, 5, 5), null, null, rand(r, 5, 2)));
        StepSolution.LayerStep l0 = s.layers().get(0);
        StepSolution.Recurrent rec = l0.recurrent();
        assertEquals(4, rec.weightsGradSteps().size());
        for (int j = 0; j < 5; j++) {
            for (int k = 0; k < 3; k++) {
                double sum = 0;
                for (double[][] c : rec.weightsGradSteps()) sum += c[j][k];
                assertEquals(l0.weightsGrad()[j][k], sum, 1e-13, "W_ih [" + j + "][" + k + "]");
            }
            for (int i = 0; i < 5; i++) {
                double sum = 0;
                for (double[][] c : rec.weightsHhGradSteps()) sum += c[j][i];
                assertEquals(rec.weightsHhGrad()[j][i], sum, 1e-13, "W_hh [" + j + "][" + i + "]");
            }
            double b = 0;
            for (double[][] c : rec.biasGradSteps()) b += c[0][j];
            assertEquals(l0.biasGrad()[j], b, 1e-13, "b_ih [" + j + "]");
        }
        assertEquals(null, rec.biasHhGrad(), "no b_hh, no gradient for it");
        for (int b = 0; b < 2; b++) {
            for (int c = 0; c < 20; c++) {
                assertEquals(l0.outputGrad()[b][c], rec.fromAbove()[b][c] + rec.recurrentGrad()[b][c], 1e-14, "dL/dh = above + recurrent");
                if (c < 15) assertEquals(0, rec.fromAbove()[b][c], "the dense layer sees h_4 alone");
                else assertEquals(0, rec.recurrentGrad()[b][c], "nothing comes back to the last step");
            }
        }
    }

    @Test
    void badRnnSpecsNameTheField() {
        double[][] x = {{1, 2, 3, 4, 5, 6}};
        double[][] wih = {{0.1, 0.2}, {0.3, 0.4}, {0.5, 0.6}};
        double[][] whh = {{0.1, 0, 0}, {0, 0.1, 0}, {0, 0, 0.1}};
        var dense = new NetworkSpec.Layer(new double[][] {{1}, {1}, {1}}, null, new Tanh());
        SpecException t = assertThrows(SpecException.class, () -> new NetworkSpec(x, false, new int[] {3, 2}, new double[][] {{0}},
                List.of(NetworkSpec.Layer.rnn(new double[][] {{0.1, 0.2, 0.3}, {0.1, 0.2, 0.3}}, null, new double[][] {{1, 0}, {0, 1}}, null, null),
                        new NetworkSpec.Layer(new double[][] {{1}, {1}}, null, new Tanh())), Loss.MSE, null));
        assertEquals("layers[0].weights_ih", t.field());
        assertTrue(t.getMessage().contains("is 2 x 3 (hidden x features, PyTorch's layout), but the input gives 3 x 2 (steps x features)"), t.getMessage());
        SpecException first = assertThrows(SpecException.class, () -> new NetworkSpec(x, false, new int[] {3, 2}, new double[][] {{0}},
                List.of(dense, NetworkSpec.Layer.rnn(wih, null, whh, null, null)), Loss.MSE, null));
        assertEquals("layers[0]", first.field(), first.getMessage());
        assertTrue(first.getMessage().contains("make layer 0 type: rnn"), first.getMessage());
        SpecException h0 = assertThrows(SpecException.class, () -> new NetworkSpec(x, false, new int[] {3, 2}, new double[][] {{0}},
                List.of(NetworkSpec.Layer.rnn(wih, null, whh, null, new double[][] {{1, 2}}), dense), Loss.MSE, null));
        assertEquals("layers[0].initial_state", h0.field(), h0.getMessage());
        SpecException target = assertThrows(SpecException.class, () -> new NetworkSpec(x, false, new int[] {3, 2}, new double[][] {{0, 1}},
                List.of(NetworkSpec.Layer.rnn(wih, null, whh, null, null)), Loss.MSE, null));
        assertEquals("target", target.field());
        assertTrue(target.getMessage().contains("the rnn's states are 3 x 3 (steps x hidden): a target per state"), target.getMessage());
    }
}
