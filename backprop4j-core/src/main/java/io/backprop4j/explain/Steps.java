package io.backprop4j.explain;

import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.Softmax;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Tensor;
import java.util.function.UnaryOperator;

/**
 * Each quantity of a training step worked by the engine (float64 tensors and autograd) from the
 * values it depends on, one link of the chain at a time. The grader uses it to work a person's
 * own values onward ("computed correctly from your own numbers") and its mistake hypotheses use
 * the same links with one input swapped. Nothing here restates a formula: forward links call the
 * modules and losses, backward links are vector-Jacobian products taken by {@link Tensor#backward(Tensor)}.
 *
 * <p>Matrices are [rows][cols] as in {@link StepSolution}; a bias or bias gradient is one row.
 */
final class Steps {
    /** A step's values by layer and field (bias fields as one row): the truth, or a person's own. */
    interface Values {
        double[][] get(int layer, Field field);
    }

    private final NetworkSpec spec;

    Steps(NetworkSpec spec) {
        this.spec = spec;
    }

    NetworkSpec spec() {
        return spec;
    }

    /**
     * The quantity {@code f} of layer {@code l} (f null: the loss, as [[L]]) worked from the
     * values it depends on in {@code v}.
     */
    double[][] compute(int l, Field f, Values v) {
        int last = spec.layers().size() - 1;
        if (f == null) return lossValue(loss(spec.loss()), v.get(last, Field.OUTPUT));
        NetworkSpec.Layer layer = spec.layers().get(l);
        return switch (f) {
            case NET -> net(input(l, v), layer.weights(), layer.bias());
            case OUTPUT -> output(layer.activation(), v.get(l, Field.NET));
            case OUTPUT_GRAD -> l == last ? lossGradient(loss(spec.loss()), v.get(l, Field.OUTPUT))
                    : inputGradient(spec.layers().get(l + 1).weights(), v.get(l + 1, Field.NET_GRAD));
            case NET_GRAD -> netGradient(layer.activation(), v.get(l, Field.NET), v.get(l, Field.OUTPUT), v.get(l, Field.OUTPUT_GRAD));
            case WEIGHTS_GRAD -> weightsGradient(input(l, v), v.get(l, Field.NET_GRAD));
            case BIAS_GRAD -> biasGradient(v.get(l, Field.NET_GRAD));
            case WEIGHTS_UPDATED -> update(layer.weights(), v.get(l, Field.WEIGHTS_GRAD), 1);
            case BIAS_UPDATED -> update(new double[][] {layer.bias()}, v.get(l, Field.BIAS_GRAD), 1);
        };
    }

    /** Layer l's input: the network's input for layer 0, else layer l − 1's output in {@code v}. */
    double[][] input(int l, Values v) {
        return l == 0 ? spec.input() : v.get(l - 1, Field.OUTPUT);
    }

    // ------------------------------------------------------------------------------ forward

    /** in·W + b (b null: none), [batch][units]. */
    static double[][] net(double[][] in, double[][] w, double[] b) {
        Tensor net = Tensor.of(in).matmul(Tensor.of(w));
        if (b != null) net = net.add(Tensor.vector(b));
        return net.toDoubleMatrix();
    }

    /** The activation's output on each row of {@code net}. */
    static double[][] output(Activation a, double[][] net) {
        return a.forward(Tensor.of(net)).toDoubleMatrix();
    }

    /**
     * The loss as a function of the output, against the spec's target. For cross-entropy the
     * terms of zero targets are left out before the engine takes the log (0·ln 0 counts as 0, as a
     * person writes it), so an output of 0 where the target is 0 does not make the loss NaN.
     */
    UnaryOperator<Tensor> loss(Loss kind) {
        Tensor y = Tensor.of(spec.target());
        UnaryOperator<Tensor> f = kind == Loss.CROSS_ENTROPY ? p -> kind.apply(ignoringZeroTargets(p, spec.target()), y) : p -> kind.apply(p, y);
        boolean probabilities = kind == Loss.CROSS_ENTROPY || kind == Loss.BINARY_CROSS_ENTROPY;
        // A person's wrong output may lie outside [0, 1], where the engine refuses these losses: no loss (NaN) follows from it.
        return probabilities ? p -> inUnitInterval(p) ? f.apply(p) : p.mul(Double.NaN).sum() : f;
    }

    private static boolean inUnitInterval(Tensor p) {
        for (double v : p.toDoubleArray()) if (!(v >= 0 && v <= 1)) return false;
        return true;
    }

    /**
     * {@code p} where the target is not 0, and 1 where it is (through the engine, so gradients
     * flow to the kept elements and are 0 at the others): the logs of a cross-entropy then skip
     * the zero-target terms.
     */
    static Tensor ignoringZeroTargets(Tensor p, double[][] target) {
        double[] keep = new double[p.numel()];
        double[] fill = new double[p.numel()];
        int cols = target[0].length;
        for (int i = 0; i < keep.length; i++) {
            boolean zero = target[i / cols][i % cols] == 0;
            keep[i] = zero ? 0 : 1;
            fill[i] = zero ? 1 : 0;
        }
        return p.mul(Tensor.of(keep, p.shape())).add(Tensor.of(fill, p.shape()));
    }

    /** A loss's value at {@code p}, as [[L]]. */
    static double[][] lossValue(UnaryOperator<Tensor> loss, double[][] p) {
        return new double[][] {{loss.apply(Tensor.of(p)).item()}};
    }

    /** dL/dp by the engine's backward pass. */
    static double[][] lossGradient(UnaryOperator<Tensor> loss, double[][] p) {
        Tensor x = Tensor.of(p).requiresGrad(true);
        loss.apply(x).backward();
        return gradOf(x);
    }

    // ------------------------------------------------------------------------------ backward

    /**
     * dL/d(in) of {@code net = in·W} given dL/d(net): the engine's matmul backward (netGrad·Wᵀ),
     * taken at in = 0 since it does not depend on in.
     */
    static double[][] inputGradient(double[][] w, double[][] netGrad) {
        Tensor wt = Tensor.of(w);
        return vjp(in -> in.matmul(wt), new double[netGrad.length][w.length], netGrad);
    }

    /**
     * dL/d(net) given dL/d(output): the activation's backward at {@code net}, by the engine. For
     * softmax the backward depends on the output only: {@code s ⊙ (g − Σ_k s_k g_k)}, the rule
     * autograd's softmax applies to the output it computed. A person's own outputs need not be a
     * softmax of anything (a slip in one of them, and the row no longer sums to 1), and the engine
     * can only take that backward at outputs it computed itself, so the rule is applied to the
     * person's outputs with the same tensor operations; net_grad worked from one's own softmax
     * outputs is then recognised as such.
     */
    static double[][] netGradient(Activation a, double[][] net, double[][] out, double[][] outGrad) {
        if (a instanceof Softmax) {
            // The engine's softmax rule at the person's own outputs (which need not sum to 1).
            return Functional.softmaxBackward(Tensor.of(outGrad), Tensor.of(out), 1).toDoubleMatrix();
        }
        return vjp(a::forward, net, outGrad);
    }

    /** dL/dW of {@code net = in·W} given dL/d(net), summed over the batch: inᵀ·netGrad (at W = 0; it does not depend on W). */
    static double[][] weightsGradient(double[][] in, double[][] netGrad) {
        Tensor x = Tensor.of(in);
        return vjp(w -> x.matmul(w), new double[in[0].length][netGrad[0].length], netGrad);
    }

    /** dL/db of {@code net = in·W + b} given dL/d(net), one row: the sum over the batch. */
    static double[][] biasGradient(double[][] netGrad) {
        Tensor b = Tensor.zeros(DType.FLOAT64, netGrad[0].length).requiresGrad(true);
        Tensor.of(new double[netGrad.length][netGrad[0].length]).add(b).backward(Tensor.of(netGrad));
        return new double[][] {b.grad() == null ? new double[netGrad[0].length] : b.grad().toDoubleArray()};
    }

    /** The SGD step {@code old − k·η·g} (k = 1: the true update). */
    double[][] update(double[][] old, double[][] g, double k) {
        return Tensor.of(old).sub(Tensor.of(g).mul(k * spec.learningRate())).toDoubleMatrix();
    }

    /** {@code a·k} element by element. */
    static double[][] scale(double[][] a, double k) {
        return Tensor.of(a).mul(k).toDoubleMatrix();
    }

    /**
     * The vector-Jacobian product: the gradient at {@code x} (shaped like it) of Σ f(x) ⊙ g, that
     * is, dL/dx when dL/d(f(x)) = g.
     */
    static double[][] vjp(UnaryOperator<Tensor> f, double[][] x, double[][] g) {
        Tensor t = Tensor.of(x).requiresGrad(true);
        f.apply(t).backward(Tensor.of(g));
        return gradOf(t);
    }

    private static double[][] gradOf(Tensor t) {
        int[] s = t.shape();
        return t.grad() == null ? new double[s[0]][s[1]] : t.grad().reshape(s[0], s[1]).toDoubleMatrix();
    }
}
