package io.backprop4j.explain;

import io.backprop4j.explain.Steps.Values;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;

/**
 * The links of backprop through time for an rnn layer ({@link NetworkSpec.Kind#RNN}), each
 * worked by the engine (float64 tensors, autograd's backward) from the values it depends on, as
 * {@link Steps} does for the other layers; and the same links with one of the classic BPTT
 * mistakes, for {@link Mistakes}.
 *
 * <p>Per-sample values are [batch][T·H], step t in columns t·H .. t·H + H − 1 (t from 0):
 * <pre>
 *   net_t = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh        h_t = tanh(net_t)
 *   ∂L/∂h_t = (from above)_t + W_hhᵀ·∂L/∂net_{t+1}       ∂L/∂net_t = ∂L/∂h_t ⊙ (1 − h_t²)
 *   ∂L/∂W_ih = Σ_t ∂L/∂net_t·x_tᵀ    ∂L/∂W_hh = Σ_t ∂L/∂net_t·h_{t−1}ᵀ    ∂L/∂b = Σ_t ∂L/∂net_t
 * </pre>
 * "From above" is the loss's gradient at every state (the rnn the last layer), the gradient the
 * dense layer on every state sends back to each h_t ({@code W·∂L/∂net^{out}_t}), or the next
 * layer's gradient at the last state h_T alone.
 */
final class RnnSteps {
    private final Steps steps;
    private final NetworkSpec spec;
    private final int l;
    private final NetworkSpec.Layer layer;
    private final int n;
    private final int t;
    private final int h;
    private final int f;

    RnnSteps(Steps steps, int l) {
        this.steps = steps;
        this.spec = steps.spec();
        this.l = l;
        this.layer = spec.layers().get(l);
        this.n = spec.batch();
        this.t = spec.steps();
        this.h = layer.hidden();
        this.f = spec.inputShape()[1];
    }

    int steps() {
        return t;
    }

    int hidden() {
        return h;
    }

    // ------------------------------------------------------------------------------ slices

    /** Step s of per-sample values of width w per step: [batch][w]. */
    static double[][] at(double[][] m, int s, int w) {
        double[][] out = new double[m.length][w];
        for (int b = 0; b < m.length; b++) System.arraycopy(m[b], s * w, out[b], 0, w);
        return out;
    }

    /** Writes [batch][w] into step s of {@code m}. */
    static void put(double[][] m, int s, int w, double[][] v) {
        for (int b = 0; b < m.length; b++) System.arraycopy(v[b], 0, m[b], s * w, w);
    }

    /** x_s, [batch][F]. */
    double[][] x(int s) {
        return at(spec.input(), s, f);
    }

    /** h_0, [batch][H]. */
    double[][] initialState() {
        double[][] h0 = new double[n][];
        for (int b = 0; b < n; b++) h0[b] = layer.initialState(b).clone();
        return h0;
    }

    /** h_{s−1} on the values {@code v} (h_0 for s = 0). */
    double[][] previous(Values v, int s) {
        return s == 0 ? initialState() : at(v.get(l, Field.OUTPUT), s - 1, h);
    }

    /** The last state h_T on the values {@code v}: what the next layer gets. */
    double[][] last(Values v) {
        return at(v.get(l, Field.OUTPUT), t - 1, h);
    }

    // ------------------------------------------------------------------------------ forward

    /** net_s = x_s·W_ihᵀ + b_ih + prev·W_hhᵀ + b_hh by the engine, [batch][H]. */
    double[][] net(double[][] xs, double[][] prev) {
        Tensor net = Tensor.of(xs).matmul(Tensor.of(layer.weights()).t());
        if (layer.bias() != null) net = net.add(Tensor.vector(layer.bias()));
        net = net.add(Tensor.of(prev).matmul(Tensor.of(layer.weightsHh()).t()));
        if (layer.biasHh() != null) net = net.add(Tensor.vector(layer.biasHh()));
        return net.toDoubleMatrix();
    }

    /** Every step's net from the states h_{t−1} in {@code v}. */
    double[][] net(Values v) {
        double[][] out = new double[n][t * h];
        for (int s = 0; s < t; s++) put(out, s, h, net(x(s), previous(v, s)));
        return out;
    }

    // ------------------------------------------------------------------------------ backward

    /** ∂L/∂h_t from above alone, every step: the loss's gradient at each state, or the next layer's at h_T (0 before). */
    double[][] fromAbove(Values v) {
        if (l == spec.layers().size() - 1) return Steps.lossGradient(steps.loss(spec.loss()), v.get(l, Field.OUTPUT));
        if (spec.everyStep(l + 1)) return steps.gradientBelow(l + 1, v);
        double[][] out = new double[n][t * h];
        put(out, t - 1, h, steps.gradientBelow(l + 1, v));
        return out;
    }

    /** W_hhᵀ·g for each sample's row g, [batch][H] (the gradient net_{t+1} sends back to h_t), by the engine's matmul backward. */
    double[][] throughWhh(double[][] g) {
        Tensor w = Tensor.of(layer.weightsHh()).t();
        return Steps.vjp(x -> x.matmul(w), new double[g.length][h], g);
    }

    /** The recurrent part of ∂L/∂h_t: W_hhᵀ·∂L/∂net_{t+1} from {@code next} (net_grad, or output_grad when tanh' is skipped), 0 at the last step. */
    double[][] recurrent(double[][] next) {
        double[][] out = new double[n][t * h];
        for (int s = 0; s + 1 < t; s++) put(out, s, h, throughWhh(at(next, s + 1, h)));
        return out;
    }

    /** ∂L/∂h_t = from above + W_hhᵀ·∂L/∂net_{t+1}, from the net_grad in {@code v}. */
    double[][] outputGrad(Values v) {
        return add(fromAbove(v), recurrent(v.get(l, Field.NET_GRAD)));
    }

    static double[][] add(double[][] a, double[][] b) {
        return Tensor.of(a).add(Tensor.of(b)).toDoubleMatrix();
    }

    /**
     * Backprop through time run in full from the gradient from above: ∂L/∂net_t for every step,
     * with the recurrent path ({@code recurrent}) or without it, and tanh' left out at step
     * {@code skip} (−1: nowhere; {@code t}: at every step).
     */
    double[][] rerun(Values v, boolean recurrent, int skip) {
        double[][] above = fromAbove(v);
        double[][] net = v.get(l, Field.NET);
        double[][] dnet = new double[n][t * h];
        double[][] next = null;
        for (int s = t - 1; s >= 0; s--) {
            double[][] dh = at(above, s, h);
            if (recurrent && next != null) dh = add(dh, throughWhh(next));
            double[][] d = skip == s || skip == t ? dh : Steps.vjp(new io.backprop4j.nn.Tanh()::forward, at(net, s, h), dh);
            put(dnet, s, h, d);
            next = d;
        }
        return dnet;
    }

    /**
     * Step s's contribution to a weight or bias gradient ({@link Field#WEIGHTS_GRAD} ∂net_s·x_sᵀ,
     * {@link Field#WEIGHTS_HH_GRAD} ∂net_s·h_{s−1}ᵀ, the biases ∂net_s) summed over the batch,
     * from the net_grad {@code dnet} and the states in {@code v}; {@code own} h_s in place of
     * h_{s−1} when {@code sameStep}.
     */
    double[][] contribution(Field g, Values v, double[][] dnet, int s, boolean sameStep) {
        double[][] d = at(dnet, s, h);
        return switch (g) {
            case WEIGHTS_GRAD, STEP_WEIGHTS_GRAD -> outer(d, x(s), f);
            case WEIGHTS_HH_GRAD, STEP_WEIGHTS_HH_GRAD -> outer(d, sameStep ? at(v.get(l, Field.OUTPUT), s, h) : previous(v, s), h);
            case BIAS_GRAD, BIAS_HH_GRAD, STEP_BIAS_GRAD -> Steps.biasGradient(d);
            default -> throw new IllegalArgumentException(g + " is not a weight gradient");
        };
    }

    /** Σ_batch dᵀ·in as [H][w]: the gradient of in·Wᵀ at W, by the engine's matmul backward. */
    private static double[][] outer(double[][] d, double[][] in, int w) {
        Tensor x = Tensor.of(in);
        return Steps.vjp(m -> x.matmul(m.t()), new double[d[0].length][w], d);
    }

    /**
     * A weight or bias gradient summed over the steps {@code from} .. T − 1 (0: every step; T − 1:
     * the last step's contribution alone), from {@code dnet}.
     */
    double[][] gradient(Field g, Values v, double[][] dnet, int from, boolean sameStep) {
        Tensor sum = null;
        for (int s = from; s < t; s++) {
            Tensor c = Tensor.of(contribution(g, v, dnet, s, sameStep));
            sum = sum == null ? c : sum.add(c);
        }
        return sum.toDoubleMatrix();
    }

    /**
     * Every step's contribution to a weight or bias gradient, one row per step ({@link
     * Field#STEP_WEIGHTS_GRAD} and its twins), from {@code dnet} ({@code sameStep}: h_t for h_{t−1}).
     */
    double[][] stepRows(Field g, Values v, double[][] dnet, boolean sameStep) {
        java.util.List<double[][]> parts = new java.util.ArrayList<>();
        for (int s = 0; s < t; s++) parts.add(contribution(g, v, dnet, s, sameStep));
        return StepSolution.LayerStep.rows(parts);
    }

    /** A weight or bias gradient from the net_grad in {@code v}. */
    double[][] gradient(Field g, Values v) {
        return gradient(g, v, v.get(l, Field.NET_GRAD), 0, false);
    }

    /** The quantity {@code q} of the rnn layer from the values it depends on in {@code v}. */
    double[][] compute(Field q, Values v) {
        return switch (q) {
            case NET -> net(v);
            case OUTPUT -> Steps.output(layer.activation(), v.get(l, Field.NET));
            case OUTPUT_GRAD -> outputGrad(v);
            case NET_GRAD -> Steps.netGradient(layer.activation(), v.get(l, Field.NET), v.get(l, Field.OUTPUT), v.get(l, Field.OUTPUT_GRAD));
            case WEIGHTS_GRAD, BIAS_GRAD, WEIGHTS_HH_GRAD, BIAS_HH_GRAD -> gradient(q, v);
            case WEIGHTS_UPDATED -> steps.update(layer.weights(), v.get(l, Field.WEIGHTS_GRAD), 1);
            case BIAS_UPDATED -> steps.update(new double[][] {layer.bias()}, v.get(l, Field.BIAS_GRAD), 1);
            case WEIGHTS_HH_UPDATED -> steps.update(layer.weightsHh(), v.get(l, Field.WEIGHTS_HH_GRAD), 1);
            case BIAS_HH_UPDATED -> steps.update(new double[][] {layer.biasHh()}, v.get(l, Field.BIAS_HH_GRAD), 1);
            case STEP_WEIGHTS_GRAD, STEP_WEIGHTS_HH_GRAD, STEP_BIAS_GRAD -> stepRows(q, v, v.get(l, Field.NET_GRAD), false);
        };
    }

    /** Zeros shaped like a per-sample field, [batch][T·H]. */
    double[][] zeros() {
        return Tensor.zeros(DType.FLOAT64, n, t * h).toDoubleMatrix();
    }
}
