package io.backprop4j.explain;

import io.backprop4j.explain.Diagnosis.Kind;
import io.backprop4j.explain.MistakesTest.Plant;
import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Softmax;
import java.util.List;
import java.util.Random;

/**
 * The planted cases of the backprop-through-time entries of the mistake table, for
 * {@link MistakesTest}: each mistaken value worked out here in plain loops over the recorded
 * forward values and the spec's weights (the test's own oracle, not the engine).
 *
 * <p>The networks: {@link #LAST}, a batch of 2 sequences of 3 steps x 2 features, an rnn of 3
 * (both biases, zero initial state), a dense softmax layer of 2 on h_3, cross-entropy; {@link #EVERY},
 * one sequence of 3 steps x 2 features, an rnn of 2 (b_ih only, an initial state) with mse on every
 * state; {@link #STEPS}, a batch of 2 sequences of 3 steps x 2 features, an rnn of 2 (both biases), a
 * dense softmax layer of 3 on every state (every_step), cross-entropy over the 6 steps.
 */
final class RnnMistakeCases {
    static final NetworkSpec LAST = last(41);
    static final StepSolution SLAST = Explainer.solve(LAST);
    static final NetworkSpec EVERY = every(43);
    static final StepSolution SEVERY = Explainer.solve(EVERY);

    static final NetworkSpec STEPS = steps(47);
    static final StepSolution SSTEPS = Explainer.solve(STEPS);

    private RnnMistakeCases() {}

    static NetworkSpec steps(long seed) {
        Random r = new Random(seed);
        double[][] x = rand(r, 2, 6);
        for (double[] row : x) for (int i = 0; i < row.length; i++) row[i] *= 2;
        double[][] y = {{1, 0, 0, 0, 0, 1, 0, 1, 0}, {0, 1, 0, 1, 0, 0, 0, 0, 1}};
        return new NetworkSpec(x, true, new int[] {3, 2}, y, List.of(
                NetworkSpec.Layer.rnn(rand(r, 2, 2), rand(r, 1, 2)[0], rand(r, 2, 2), rand(r, 1, 2)[0], null),
                NetworkSpec.Layer.denseEveryStep(rand(r, 2, 3), rand(r, 1, 3)[0], new Softmax())),
                Loss.CROSS_ENTROPY, 0.1);
    }

    private static double[][] rand(Random r, int n, int m) {
        double[][] a = new double[n][m];
        for (double[] row : a) for (int j = 0; j < m; j++) row[j] = Math.round((r.nextDouble() * 2 - 1) * 1000) / 1000.0;
        return a;
    }

    static NetworkSpec last(long seed) {
        Random r = new Random(seed);
        double[][] x = rand(r, 2, 6);
        for (double[] row : x) for (int i = 0; i < row.length; i++) row[i] *= 2;
        return new NetworkSpec(x, true, new int[] {3, 2}, new double[][] {{1, 0}, {0, 1}}, List.of(
                NetworkSpec.Layer.rnn(rand(r, 3, 2), rand(r, 1, 3)[0], rand(r, 3, 3), rand(r, 1, 3)[0], null),
                new NetworkSpec.Layer(rand(r, 3, 2), null, new Softmax())),
                Loss.CROSS_ENTROPY, 0.1);
    }

    static NetworkSpec every(long seed) {
        Random r = new Random(seed);
        double[][] x = rand(r, 1, 6);
        for (int i = 0; i < 6; i++) x[0][i] *= 2;
        return new NetworkSpec(x, false, new int[] {3, 2}, rand(r, 1, 6), List.of(
                NetworkSpec.Layer.rnn(rand(r, 2, 2), rand(r, 1, 2)[0], rand(r, 2, 2), null, new double[][] {{0.3, -0.2}})),
                Loss.MSE, 0.1);
    }

    /** h_{t} of sample b, unit i (t = −1: h_0). */
    private static double h(StepSolution s, int b, int t, int i) {
        NetworkSpec.Layer r = s.spec().layers().get(0);
        return t < 0 ? r.initialState(b)[i] : s.layers().get(0).output()[b][t * r.hidden() + i];
    }

    /**
     * ∂L/∂net_t of every sample and step by a plain loop from the gradient from above: with or
     * without the recurrent path, tanh' left out at step {@code skip} (−1: nowhere).
     */
    static double[][] bptt(StepSolution s, boolean recurrent, int skip) {
        NetworkSpec.Layer r = s.spec().layers().get(0);
        int n = s.spec().batch();
        int t0 = s.spec().steps();
        int hid = r.hidden();
        double[][] above = s.layers().get(0).recurrent().fromAbove();
        double[][] d = new double[n][t0 * hid];
        for (int b = 0; b < n; b++) {
            for (int t = t0 - 1; t >= 0; t--) {
                for (int j = 0; j < hid; j++) {
                    double g = above[b][t * hid + j];
                    if (recurrent && t + 1 < t0) for (int i = 0; i < hid; i++) g += d[b][(t + 1) * hid + i] * r.weightsHh()[i][j];
                    double hv = h(s, b, t, j);
                    d[b][t * hid + j] = t == skip ? g : g * (1 - hv * hv);
                }
            }
        }
        return d;
    }

    /** Σ over samples and steps from..T−1 of d_t[j]·x_t[k] (W_ih's gradient from the net gradients d). */
    static double wih(StepSolution s, double[][] d, int from, int j, int k) {
        int hid = s.spec().layers().get(0).hidden();
        int f = s.spec().inputShape()[1];
        double sum = 0;
        for (int b = 0; b < s.spec().batch(); b++) {
            for (int t = from; t < s.spec().steps(); t++) sum += d[b][t * hid + j] * s.spec().input()[b][t * f + k];
        }
        return sum;
    }

    /** Σ over samples and steps from..T−1 of d_t[j]·h_{t−1}[i] (h_t[i] when {@code same}). */
    static double whh(StepSolution s, double[][] d, int from, int j, int i, boolean same) {
        int hid = s.spec().layers().get(0).hidden();
        double sum = 0;
        for (int b = 0; b < s.spec().batch(); b++) {
            for (int t = from; t < s.spec().steps(); t++) sum += d[b][t * hid + j] * h(s, b, same ? t : t - 1, i);
        }
        return sum;
    }

    static void add() {
        double[][] dLast = SLAST.layers().get(0).netGrad();
        double[][] dEvery = SEVERY.layers().get(0).netGrad();
        MistakesTest.add(
                new Plant("only the last step's contribution", LAST, SLAST, 0, Field.WEIGHTS_HH_GRAD, 1, 2, whh(SLAST, dLast, 2, 1, 2, false),
                        Kind.MISSING_TERM, "missing terms: only the last step's contribution (t = 3) counted in ∂L/∂W_hh, not the sum over the 3 steps"
                        + " (what leaving out the recurrent path gives, when the loss sees h_3 alone)"),
                new Plant("only the last step's contribution", EVERY, SEVERY, 0, Field.WEIGHTS_GRAD, 0, 1, wih(SEVERY, dEvery, 2, 0, 1),
                        Kind.MISSING_TERM, "missing terms: only the last step's contribution (t = 3) counted in ∂L/∂W_ih, not the sum over the 3 steps"));
        // from above alone: at h_1 of the every-state network, 2·(h − y)/6
        double above = 2 * (h(SEVERY, 0, 0, 1) - EVERY.target()[0][1]) / 6;
        MistakesTest.add(
                new Plant("recurrent path left out", EVERY, SEVERY, 0, Field.OUTPUT_GRAD, 0, 1, above, Kind.MISSING_TERM,
                        "missing a chain-rule term: the recurrent path left out: ∂L/∂h_t from above only, without W_hhᵀ·∂L/∂net_{t+1} from the next step"),
                new Plant("recurrent path left out", EVERY, SEVERY, 0, Field.WEIGHTS_GRAD, 1, 0, wih(SEVERY, bptt(SEVERY, false, -1), 0, 1, 0),
                        Kind.MISSING_TERM, "missing chain-rule terms: ∂L/∂W_ih worked without the recurrent path (each ∂L/∂h_t from above only, "
                        + "no W_hhᵀ·∂L/∂net_{t+1})"));
        // tanh' left out: in ∂L/∂net_2 of sample 2, unit 3; in the recurrent path to h_1; in ∂L/∂W_hh with step 3's left out
        StepSolution.LayerStep l0 = SLAST.layers().get(0);
        double sent = l0.recurrent().fromAbove()[0][1];
        for (int i = 0; i < 3; i++) sent += l0.outputGrad()[0][3 + i] * LAST.layers().get(0).weightsHh()[i][1];
        MistakesTest.add(
                new Plant("tanh' forgotten at a step", LAST, SLAST, 0, Field.NET_GRAD, 1, 3 + 2, l0.outputGrad()[1][3 + 2], Kind.MISSING_TERM,
                        "missing a chain-rule term: tanh'(net_t) = 1 − h_t² left out at step t = 2 (∂L/∂net_t = ∂L/∂h_t)"),
                new Plant("tanh' forgotten at a step", LAST, SLAST, 0, Field.OUTPUT_GRAD, 0, 1, sent, Kind.MISSING_TERM,
                        "missing a chain-rule term: the recurrent path took W_hhᵀ·∂L/∂h_{t+1} where W_hhᵀ·∂L/∂net_{t+1} belongs (tanh' of step t + 1 skipped)"),
                new Plant("tanh' forgotten at a step", LAST, SLAST, 0, Field.WEIGHTS_HH_GRAD, 0, 1, whh(SLAST, bptt(SLAST, true, 2), 0, 0, 1, false),
                        Kind.MISSING_TERM, "missing a chain-rule term: ∂L/∂W_hh worked with tanh' left out at step t = 3 (∂L/∂net_3 = ∂L/∂h_3), "
                        + "and the steps before it worked from that"));
        // a dense layer on every state: ∂L/∂h_1 from the output at step 1 alone (Σ_j ∂L/∂z_1j·w_ij, sample 2, unit 2), the
        // recurrent path left out of ∂L/∂W_ih, the last step's contribution alone in ∂L/∂W_hh, the loss summed over the 3 steps
        double[][] dz = SSTEPS.layers().get(1).netGrad();
        double[][] wo = STEPS.layers().get(1).weights();
        double fromOutput = 0;
        for (int j = 0; j < 3; j++) fromOutput += dz[1][j] * wo[1][j];
        double[][] dSteps = SSTEPS.layers().get(0).netGrad();
        MistakesTest.add(
                new Plant("recurrent path left out", STEPS, SSTEPS, 0, Field.OUTPUT_GRAD, 1, 1, fromOutput, Kind.MISSING_TERM,
                        "missing a chain-rule term: the recurrent path left out: ∂L/∂h_t from above only, without W_hhᵀ·∂L/∂net_{t+1} from the next step"),
                new Plant("recurrent path left out", STEPS, SSTEPS, 0, Field.WEIGHTS_GRAD, 0, 1, wih(SSTEPS, bptt(SSTEPS, false, -1), 0, 0, 1),
                        Kind.MISSING_TERM, "missing chain-rule terms: ∂L/∂W_ih worked without the recurrent path (each ∂L/∂h_t from above only, "
                        + "no W_hhᵀ·∂L/∂net_{t+1})"));
        MistakesTest.add(
                new Plant("only the last step's contribution", STEPS, SSTEPS, 0, Field.WEIGHTS_HH_GRAD, 1, 0, whh(SSTEPS, dSteps, 2, 1, 0, false),
                        Kind.MISSING_TERM, "missing terms: only the last step's contribution (t = 3) counted in ∂L/∂W_hh, not the sum over the 3 steps"));
        MistakesTest.add(new Plant("factor", STEPS, SSTEPS, -1, null, 0, 0, 3 * SSTEPS.loss(), Kind.FACTOR,
                "a factor off: multiplied by the step count 3 (the loss summed over the steps where the mean over them belongs, "
                + "as PyTorch's cross-entropy over [N·T, V] takes it)"));
        // each step's part of a gradient (the steps section): step 2's part of ∂L/∂W_hh with h_2 for h_1; step 1's part of ∂L/∂W_ih
        // worked without the recurrent path; step 1's part of the biases' gradient with tanh' left out at step 3
        double[][] dNoRec = bptt(SSTEPS, false, -1);
        double[][] dNoTanh = bptt(SLAST, true, 2);
        int f = 2;
        double hh = 0;
        double ih = 0;
        double b = 0;
        for (int s = 0; s < 2; s++) {
            hh += dSteps[s][1 * 2 + 0] * h(SSTEPS, s, 1, 1);            // step t = 2 (index 1), unit 1 (j = 0), state unit 2 (i = 1)
            ih += dNoRec[s][0 * 2 + 1] * STEPS.input()[s][0 * f + 0];   // step t = 1, unit 2 (j = 1), feature 1 (k = 0)
            b += dNoTanh[s][0 * 3 + 2];                               // step t = 1, unit 3 of the last-state network
        }
        MistakesTest.add(new Plant("h_t used for h_{t−1}", STEPS, SSTEPS, 0, Field.STEP_WEIGHTS_HH_GRAD, 1, 0 * 2 + 1, hh, Kind.WRONG_STATE,
                "h_t used where h_{t−1} belongs: step t's part of ∂L/∂W_hh is ∂L/∂net_t·h_{t−1}ᵀ (h_0 at the first step), the state the step "
                + "read, not ∂L/∂net_t·h_tᵀ"));
        MistakesTest.add(new Plant("recurrent path left out", STEPS, SSTEPS, 0, Field.STEP_WEIGHTS_GRAD, 0, 1 * f + 0, ih, Kind.MISSING_TERM,
                "missing a chain-rule term: step t's part of ∂L/∂W_ih worked from a ∂L/∂net_t without the recurrent path (∂L/∂h_t from above "
                + "only, no W_hhᵀ·∂L/∂net_{t+1})"));
        MistakesTest.add(new Plant("tanh' forgotten at a step", LAST, SLAST, 0, Field.STEP_BIAS_GRAD, 0, 2, b, Kind.MISSING_TERM,
                "missing a chain-rule term: step t's part of ∂L/∂b_ih worked with tanh' left out at step t = 3 (∂L/∂net_3 = ∂L/∂h_3)"));
        MistakesTest.add(new Plant("h_t used for h_{t−1}", LAST, SLAST, 0, Field.WEIGHTS_HH_GRAD, 2, 0, whh(SLAST, dLast, 0, 2, 0, true),
                Kind.WRONG_STATE, "h_t used where h_{t−1} belongs: ∂L/∂W_hh summed ∂L/∂net_t·h_tᵀ, but step t reads the state before it, "
                + "so the term is ∂L/∂net_t·h_{t−1}ᵀ (h_0 at the first step)"));
    }
}
