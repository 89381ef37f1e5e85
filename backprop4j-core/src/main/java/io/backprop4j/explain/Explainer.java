package io.backprop4j.explain;

import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Identity;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

/**
 * Works out one training step with the engine and records every intermediate value and
 * gradient: the forward pass builds {@code net = in·W + b} and {@code output = f(net)} per layer
 * with {@link Tensor#retainGrad()} on both, the loss calls {@link Tensor#backward()}, and the
 * recorded tensors are read back as float64 arrays. Nothing here differentiates by hand; the
 * update is the plain SGD step {@code W − η·dL/dW} ({@link Steps#update}).
 *
 * <pre>{@code
 * StepSolution s = Explainer.solve(spec);
 * s.loss();                          // 0.12526942299879607 for exercise 6.1
 * s.layers().get(1).weightsGrad();   // dL/dW of the output layer, [3][2]
 * }</pre>
 */
public final class Explainer {
    /** Softmax layers up to this width get their Jacobian recorded for display. */
    public static final int MAX_JACOBIAN_UNITS = 32;

    private Explainer() {}

    /**
     * Solves the step.
     *
     * @throws SpecException when binary cross-entropy meets outputs outside [0, 1] or
     *     cross-entropy meets outputs that are not positive
     */
    public static StepSolution solve(NetworkSpec spec) {
        Tensor x = Tensor.of(spec.input());
        Steps engine = new Steps(spec);
        List<Tensor> weights = new ArrayList<>();
        List<Tensor> biases = new ArrayList<>();
        List<Tensor> nets = new ArrayList<>();
        List<Tensor> outputs = new ArrayList<>();
        Tensor in = x;
        Unrolled rnn = null;
        for (int l = 0; l < spec.layers().size(); l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            if (layer.kind() == NetworkSpec.Kind.RNN) {
                rnn = unroll(spec, layer, x, l == spec.layers().size() - 1 || spec.everyStep(l + 1));
                weights.add(rnn.wih());
                biases.add(rnn.bih());
                nets.add(null);
                outputs.add(rnn.out());
                in = rnn.out();
                continue;
            }
            Tensor w = null;
            Tensor b = null;
            Tensor net = null;
            Tensor out;
            if (layer.kind() == NetworkSpec.Kind.DENSE) {
                w = Tensor.of(layer.weights()).requiresGrad(true);
                // on every state: one row per (sample, step), so a softmax and the loss see each step on its own
                net = (layer.everyStep() ? in.reshape(spec.batch() * spec.steps(), layer.inputs()) : in).matmul(w);
                if (layer.hasBias()) {
                    b = Tensor.vector(layer.bias()).requiresGrad(true);
                    net = net.add(b);
                }
            } else if (layer.kind() == NetworkSpec.Kind.CONV2D) {
                // the flat [out][in·kh·kw] weights are the leaf, so their gradient comes back in the same layout
                w = Tensor.of(layer.weights()).requiresGrad(true);
                if (layer.hasBias()) b = Tensor.vector(layer.bias()).requiresGrad(true);
                net = Steps.flatten(engine.apply(l, in, Steps.weightTensor(layer, w), b, Steps.Variant.TRUE));
            }
            if (net != null) {
                net.retainGrad();
                out = layer.activation().forward(net);
            } else {
                out = Steps.flatten(engine.apply(l, in, null, null, Steps.Variant.TRUE));
            }
            out.retainGrad();
            weights.add(w);
            biases.add(b);
            nets.add(net);
            outputs.add(out);
            in = out;
        }
        Tensor output = outputs.getLast();
        checkLossDomain(spec, output.toDoubleArray());
        Tensor loss = spec.loss().apply(output, Tensor.of(spec.everyStep(spec.layers().size() - 1) ? spec.stepRows(spec.target()) : spec.target()));
        loss.backward();

        Double lr = spec.learningRate();
        Steps sgd = new Steps(spec);
        List<StepSolution.LayerStep> steps = new ArrayList<>();
        for (int l = 0; l < spec.layers().size(); l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            if (layer.kind() == NetworkSpec.Kind.RNN) {
                steps.add(rnnStep(layer, rnn, sgd, lr));
                continue;
            }
            int n = spec.batch();
            double[][] out = perSample(outputs.get(l), n);
            double[][] outGrad = matrixOrZeros(outputs.get(l).grad(), out.length, out[0].length);
            if (!layer.kind().weighted()) {
                steps.add(new StepSolution.LayerStep(null, out, outGrad, null, null, null, null, null, null, null));
                continue;
            }
            double[][] net = perSample(nets.get(l), n);
            double[][] netGrad = matrixOrZeros(nets.get(l).grad(), net.length, net[0].length);
            double[][] wGrad = matrixOrZeros(weights.get(l).grad(), layer.inputs(), layer.units());
            double[] bGrad = biases.get(l) == null ? null
                    : (biases.get(l).grad() == null ? new double[layer.bias().length] : biases.get(l).grad().toDoubleArray());
            double[][] wNew = null;
            double[] bNew = null;
            if (lr != null) {
                wNew = sgd.update(layer.weights(), wGrad, 1);
                if (bGrad != null) bNew = sgd.update(new double[][] {layer.bias()}, new double[][] {bGrad}, 1)[0];
            }
            double[][] local = null;
            double[][][] jac = null;
            if (NetworkSpec.elementwise(layer.activation())) {
                local = localDerivative(layer, net);
            } else if (layer.units() <= MAX_JACOBIAN_UNITS && !layer.everyStep()) {
                jac = softmaxJacobian(net);
            }
            steps.add(new StepSolution.LayerStep(net, out, outGrad, netGrad, wGrad, bGrad, wNew, bNew, local, jac));
        }
        int r = spec.rnnLayer();
        if (r >= 0) steps.set(r, withRecurrence(spec, r, steps, rnn));
        double value = loss.item();
        if (!Double.isFinite(value)) {
            throw new io.backprop4j.NumericException("the loss is " + value + ": the numbers overflow; use smaller weights or inputs");
        }
        for (int l = 0; l < steps.size(); l++) {
            StepSolution.LayerStep s = steps.get(l);
            for (Field f : Field.values()) {
                double[][] m = s.get(f);
                if (m == null) continue;
                for (double[] row : m) {
                    for (double v : row) {
                        if (!Double.isFinite(v)) {
                            throw new io.backprop4j.NumericException("layers[" + l + "]." + f.key() + " holds " + v
                                    + ": the numbers overflow; use smaller weights or inputs");
                        }
                    }
                }
            }
        }
        return new StepSolution(spec, value, steps);
    }

    /**
     * An rnn layer unrolled over its steps on the engine: its parameters and h_0 as leaves, each
     * step's net and state with {@link Tensor#retainGrad()} (so a state's gradient is the whole
     * ∂L/∂h_t, from above and from the next step), and what the layer passes on.
     */
    private record Unrolled(Tensor wih, Tensor bih, Tensor whh, Tensor bhh, Tensor h0, List<Tensor> nets, List<Tensor> states, Tensor out) {}

    private static Unrolled unroll(NetworkSpec spec, NetworkSpec.Layer layer, Tensor x, boolean last) {
        int n = spec.batch();
        int t = spec.steps();
        int f = spec.inputShape()[1];
        Tensor wih = Tensor.of(layer.weights()).requiresGrad(true);
        Tensor whh = Tensor.of(layer.weightsHh()).requiresGrad(true);
        Tensor bih = layer.bias() == null ? null : Tensor.vector(layer.bias()).requiresGrad(true);
        Tensor bhh = layer.biasHh() == null ? null : Tensor.vector(layer.biasHh()).requiresGrad(true);
        double[][] start = new double[n][];
        for (int b = 0; b < n; b++) start[b] = layer.initialState(b).clone();
        Tensor h0 = Tensor.of(start).requiresGrad(true);
        Tensor seq = x.reshape(n, t, f);
        List<Tensor> nets = new ArrayList<>();
        List<Tensor> states = new ArrayList<>();
        Tensor h = h0;
        for (int s = 0; s < t; s++) {
            Tensor net = seq.narrow(1, s, 1).reshape(n, f).matmul(wih.t());
            if (bih != null) net = net.add(bih);
            net = net.add(h.matmul(whh.t()));
            if (bhh != null) net = net.add(bhh);
            net.retainGrad();
            h = layer.activation().forward(net);
            h.retainGrad();
            nets.add(net);
            states.add(h);
        }
        Tensor out = last ? Tensor.cat(1, states.toArray(new Tensor[0])) : h;
        return new Unrolled(wih, bih, whh, bhh, h0, nets, states, out);
    }

    /** The rnn layer's fields, each step's values side by side ([batch][T·H]). */
    private static StepSolution.LayerStep rnnStep(NetworkSpec.Layer layer, Unrolled u, Steps sgd, Double lr) {
        int n = u.h0().shape()[0];
        int hid = layer.hidden();
        double[][] net = stack(u.nets(), n, hid, false);
        double[][] out = stack(u.states(), n, hid, false);
        double[][] outGrad = stack(u.states(), n, hid, true);
        double[][] netGrad = stack(u.nets(), n, hid, true);
        double[][] wGrad = matrixOrZeros(u.wih().grad(), layer.weights().length, layer.weights()[0].length);
        double[] bGrad = u.bih() == null ? null : u.bih().grad() == null ? new double[hid] : u.bih().grad().toDoubleArray();
        double[][] wNew = lr == null ? null : sgd.update(layer.weights(), wGrad, 1);
        double[] bNew = lr == null || bGrad == null ? null : sgd.update(new double[][] {layer.bias()}, new double[][] {bGrad}, 1)[0];
        return new StepSolution.LayerStep(net, out, outGrad, netGrad, wGrad, bGrad, wNew, bNew, localDerivative(layer, net), null);
    }

    /** Per-step tensors [batch][H] (or their gradients) side by side as [batch][T·H]. */
    private static double[][] stack(List<Tensor> parts, int n, int hid, boolean grad) {
        double[][] m = new double[n][parts.size() * hid];
        for (int s = 0; s < parts.size(); s++) {
            Tensor p = parts.get(s);
            RnnSteps.put(m, s, hid, grad ? matrixOrZeros(p.grad(), n, hid) : p.toDoubleMatrix());
        }
        return m;
    }

    /** The rnn layer's step with its hidden-to-hidden quantities and its steps' parts, worked from the recorded values. */
    private static StepSolution.LayerStep withRecurrence(NetworkSpec spec, int l, List<StepSolution.LayerStep> steps, Unrolled u) {
        StepSolution.LayerStep st = steps.get(l);
        NetworkSpec.Layer layer = spec.layers().get(l);
        int hid = layer.hidden();
        int n = spec.batch();
        Steps engine = new Steps(spec);
        RnnSteps r = new RnnSteps(engine, l);
        Steps.Values v = (k, f) -> steps.get(k).get(f);
        double[][] whhGrad = matrixOrZeros(u.whh().grad(), hid, hid);
        double[] bhhGrad = u.bhh() == null ? null : u.bhh().grad() == null ? new double[hid] : u.bhh().grad().toDoubleArray();
        Double lr = spec.learningRate();
        double[][] whhNew = lr == null ? null : engine.update(layer.weightsHh(), whhGrad, 1);
        double[] bhhNew = lr == null || bhhGrad == null ? null : engine.update(new double[][] {layer.biasHh()}, new double[][] {bhhGrad}, 1)[0];
        List<double[][]> wSteps = new ArrayList<>();
        List<double[][]> bSteps = new ArrayList<>();
        List<double[][]> whhSteps = new ArrayList<>();
        for (int s = 0; s < r.steps(); s++) {
            wSteps.add(r.contribution(Field.WEIGHTS_GRAD, v, st.netGrad(), s, false));
            bSteps.add(r.contribution(Field.BIAS_GRAD, v, st.netGrad(), s, false));
            whhSteps.add(r.contribution(Field.WEIGHTS_HH_GRAD, v, st.netGrad(), s, false));
        }
        var rec = new StepSolution.Recurrent(whhGrad, bhhGrad, whhNew, bhhNew, matrixOrZeros(u.h0().grad(), n, hid),
                r.fromAbove(v), r.recurrent(st.netGrad()), wSteps, bSteps, whhSteps);
        return new StepSolution.LayerStep(st.net(), st.output(), st.outputGrad(), st.netGrad(), st.weightsGrad(), st.biasGrad(),
                st.weightsUpdated(), st.biasUpdated(), st.localGrad(), st.jacobian(), rec);
    }

    /** f'(net) by the engine: the gradient of Σ f(net) with respect to net. */
    private static double[][] localDerivative(NetworkSpec.Layer layer, double[][] net) {
        if (layer.activation() instanceof Identity) {
            double[][] ones = new double[net.length][net[0].length];
            for (double[] r : ones) java.util.Arrays.fill(r, 1.0);
            return ones;
        }
        Tensor z = Tensor.of(net).requiresGrad(true);
        layer.activation().forward(z).sum().backward();
        return matrixOrZeros(z.grad(), net.length, net[0].length);
    }

    /** ∂s_i/∂z_j per sample by the engine: one backward pass per output unit i. */
    private static double[][][] softmaxJacobian(double[][] net) {
        int batch = net.length;
        int k = net[0].length;
        double[][][] jac = new double[batch][k][k];
        for (int i = 0; i < k; i++) {
            Tensor z = Tensor.of(net).requiresGrad(true);
            z.softmax(1).narrow(1, i, 1).sum().backward();
            double[][] g = matrixOrZeros(z.grad(), batch, k);
            for (int s = 0; s < batch; s++) jac[s][i] = g[s];
        }
        return jac;
    }

    /** A layer's values as [batch][flat] (a dense layer on every state: [N·T, V] as [N][T·V], step after step). */
    private static double[][] perSample(Tensor t, int n) {
        return t.reshape(n, t.numel() / n).toDoubleMatrix();
    }

    private static double[][] matrixOrZeros(Tensor t, int rows, int cols) {
        return t == null ? new double[rows][cols] : t.reshape(rows, cols).toDoubleMatrix();
    }

    private static void checkLossDomain(NetworkSpec spec, double[] out) {
        NetworkSpec.Layer last = spec.layers().getLast();
        int l = spec.layers().size() - 1;
        String act = last.activation().specName();
        if (spec.loss() == Loss.BINARY_CROSS_ENTROPY) {
            for (double p : out) {
                if (!(p >= 0 && p <= 1)) {
                    throw new SpecException("loss", "binary_cross_entropy needs outputs in (0, 1) (probabilities), but layer "
                            + l + " (" + act + ") gives " + p + "; end the network with sigmoid (independent outputs) or softmax (one class), or use mse");
                }
            }
        } else if (spec.loss() == Loss.CROSS_ENTROPY) {
            for (double p : out) {
                if (!(p > 0 && p <= 1)) {
                    throw new SpecException("loss", "cross_entropy needs probabilities in (0, 1], but layer "
                            + l + " (" + act + ") gives " + p + "; end the network with softmax, or use mse");
                }
            }
        }
    }
}
