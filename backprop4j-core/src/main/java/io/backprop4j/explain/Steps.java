package io.backprop4j.explain;

import io.backprop4j.explain.NetworkSpec.Kind;
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
        if (layer.kind() == Kind.RNN) return new RnnSteps(this, l).compute(f, v);
        if (layer.everyStep()) return everyStep(l, f, v);
        return switch (f) {
            case NET -> layer.kind() == Kind.DENSE ? net(input(l, v), layer.weights(), layer.bias()) : linear(l, input(l, v), layer.weights(), layer.bias());
            case OUTPUT -> layer.kind().weighted() ? output(layer.activation(), v.get(l, Field.NET)) : linear(l, input(l, v), null, null);
            case OUTPUT_GRAD -> l == last ? lossGradient(loss(spec.loss()), v.get(l, Field.OUTPUT)) : gradientBelow(l + 1, v);
            case NET_GRAD -> netGradient(layer.activation(), v.get(l, Field.NET), v.get(l, Field.OUTPUT), v.get(l, Field.OUTPUT_GRAD));
            case WEIGHTS_GRAD -> weightsGradient(l, input(l, v), v.get(l, Field.NET_GRAD));
            case BIAS_GRAD -> biasGradient(l, v.get(l, Field.NET_GRAD));
            case WEIGHTS_UPDATED -> update(layer.weights(), v.get(l, Field.WEIGHTS_GRAD), 1);
            case BIAS_UPDATED -> update(new double[][] {layer.bias()}, v.get(l, Field.BIAS_GRAD), 1);
            case WEIGHTS_HH_GRAD, BIAS_HH_GRAD, WEIGHTS_HH_UPDATED, BIAS_HH_UPDATED, STEP_WEIGHTS_GRAD, STEP_WEIGHTS_HH_GRAD, STEP_BIAS_GRAD -> null;
        };
    }

    /**
     * A quantity of a dense layer on every state ({@link NetworkSpec.Layer#denseEveryStep}): the
     * dense links on one row per (sample, step), {@link NetworkSpec#stepRows}, laid out back as
     * [batch][T·units].
     */
    private double[][] everyStep(int l, Field f, Values v) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        return switch (f) {
            case NET -> spec.sampleRows(net(spec.stepRows(input(l, v)), layer.weights(), layer.bias()));
            case OUTPUT -> spec.sampleRows(output(layer.activation(), spec.stepRows(v.get(l, Field.NET))));
            case OUTPUT_GRAD -> lossGradient(loss(spec.loss()), v.get(l, Field.OUTPUT));
            case NET_GRAD -> spec.sampleRows(netGradient(layer.activation(), spec.stepRows(v.get(l, Field.NET)), spec.stepRows(v.get(l, Field.OUTPUT)),
                    spec.stepRows(v.get(l, Field.OUTPUT_GRAD))));
            case WEIGHTS_GRAD -> weightsGradient(spec.stepRows(input(l, v)), spec.stepRows(v.get(l, Field.NET_GRAD)));
            case BIAS_GRAD -> biasGradient(spec.stepRows(v.get(l, Field.NET_GRAD)));
            case WEIGHTS_UPDATED -> update(layer.weights(), v.get(l, Field.WEIGHTS_GRAD), 1);
            case BIAS_UPDATED -> update(new double[][] {layer.bias()}, v.get(l, Field.BIAS_GRAD), 1);
            case WEIGHTS_HH_GRAD, BIAS_HH_GRAD, WEIGHTS_HH_UPDATED, BIAS_HH_UPDATED, STEP_WEIGHTS_GRAD, STEP_WEIGHTS_HH_GRAD, STEP_BIAS_GRAD -> null;
        };
    }

    /** Layer l's input: the network's input for layer 0, else layer l − 1's output in {@code v} (an rnn's last state, or every state for a dense layer on each). */
    double[][] input(int l, Values v) {
        if (l == 0) return spec.input();
        if (spec.layers().get(l - 1).kind() == Kind.RNN && !spec.everyStep(l)) return new RnnSteps(this, l - 1).last(v);
        return v.get(l - 1, Field.OUTPUT);
    }

    /** The gradient layer k receives from above: its net_grad (layers with weights) or its output_grad. */
    double[][] fromAbove(int k, Values v) {
        return v.get(k, spec.layers().get(k).kind().weighted() ? Field.NET_GRAD : Field.OUTPUT_GRAD);
    }

    /** dL/d(input of layer k), the output_grad of layer k − 1, from layer k's gradient from above on the values {@code v}. */
    double[][] gradientBelow(int k, Values v) {
        NetworkSpec.Layer next = spec.layers().get(k);
        if (next.everyStep()) return spec.sampleRows(inputGradient(next.weights(), spec.stepRows(v.get(k, Field.NET_GRAD))));
        if (next.kind() == Kind.DENSE) return inputGradient(next.weights(), v.get(k, Field.NET_GRAD));
        return inputGradient(k, input(k, v), next.weights(), fromAbove(k, v), Variant.TRUE);
    }

    // ------------------------------------------------------------------------------ any layer, flat values

    /**
     * How a convolution is worked: as it is ({@link #TRUE}), or with one of the mistakes a person
     * makes with it, for {@link Mistakes}.
     */
    enum Variant {
        /** PyTorch's conv2d, a cross-correlation. */
        TRUE,
        /** The kernel turned by 180° (a convolution as the textbook defines it, not the correlation). */
        FLIPPED,
        /** The window of output (i, j) starting at row i·s (the padding offset −p left out): the zeros all after the input. */
        PAD_AFTER,
        /** The window starting at row i·s − 2p (the padding offset counted twice): the zeros all before the input. */
        PAD_BEFORE,
        /** The window of output (i, j) starting at row i − p (the stride left out of the offset). */
        STRIDE_ONE
    }

    /**
     * Layer l's linear part on flat values: its net for dense and conv2d layers, its output for
     * pooling and flatten (w and b then unused), [batch][flat] in and out.
     */
    double[][] linear(int l, double[][] in, double[][] w, double[] b) {
        return linear(l, in, w, b, Variant.TRUE);
    }

    double[][] linear(int l, double[][] in, double[][] w, double[] b, Variant variant) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        return flat(apply(l, Tensor.of(in), w == null ? null : weightTensor(layer, Tensor.of(w)), b == null ? null : Tensor.vector(b), variant));
    }

    /**
     * The gradient an average pool with pooling layer k's window and stride sends back to its
     * input (each input of a window its 1/(kh·kw) share), by the engine's avg_pool2d backward.
     */
    double[][] averageGradient(int k, double[][] in, double[][] above) {
        NetworkSpec.Layer layer = spec.layers().get(k);
        int[] is = spec.inShape(k);
        int st = layer.stride();
        return vjp(x -> flatten(Functional.avgPool2d(x.reshape(withBatch(x.shape()[0], is)), layer.kernel(), new int[] {st, st},
                new int[] {0, 0}, false, true, 0)), in, above);
    }

    /** dL/d(in) of layer k on flat values (at {@code in}: a max-pool's routing depends on it), given its gradient from above. */
    double[][] inputGradient(int k, double[][] in, double[][] w, double[][] above, Variant variant) {
        NetworkSpec.Layer layer = spec.layers().get(k);
        Tensor wt = w == null ? null : weightTensor(layer, Tensor.of(w));
        return vjp(x -> flatten(apply(k, x, wt, null, variant)), in, above);
    }

    /** dL/dW of layer l (dense: [inputs][units]; conv2d: [out][in·kh·kw]), summed over the batch. */
    double[][] weightsGradient(int l, double[][] in, double[][] netGrad) {
        return weightsGradient(l, in, netGrad, Variant.TRUE);
    }

    double[][] weightsGradient(int l, double[][] in, double[][] netGrad, Variant variant) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        if (layer.kind() == Kind.DENSE && variant == Variant.TRUE) return weightsGradient(in, netGrad);
        Tensor x = Tensor.of(in);
        return vjp(w -> flatten(apply(l, x, weightTensor(layer, w), null, variant)), new double[layer.inputs()][layer.units()], netGrad);
    }

    /** dL/db of layer l, one row: the sum over the batch (and, for a convolution, over the positions). */
    double[][] biasGradient(int l, double[][] netGrad) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        if (layer.kind() == Kind.DENSE) return biasGradient(netGrad);
        Tensor b = Tensor.zeros(DType.FLOAT64, layer.kernel()[0]).requiresGrad(true);
        Tensor zeros = Tensor.zeros(DType.FLOAT64, netGrad.length, NetworkSpec.size(spec.inShape(l)));
        Tensor w = Tensor.zeros(DType.FLOAT64, layer.kernel());
        flatten(apply(l, zeros, w, b, Variant.TRUE)).backward(Tensor.of(netGrad));
        return new double[][] {b.grad() == null ? new double[layer.kernel()[0]] : b.grad().toDoubleArray()};
    }

    /** Layer l's net (dense, conv2d) or output (pooling, flatten) on the flat tensor {@code in}, through the engine; [batch, ...] out. */
    Tensor apply(int l, Tensor in, Tensor w, Tensor b, Variant variant) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        int[] is = spec.inShape(l);
        int n = in.shape()[0];
        Tensor x = in.reshape(withBatch(n, is));
        int s = layer.stride();
        return switch (layer.kind()) {
            case DENSE -> b == null ? x.matmul(w) : x.matmul(w).add(b);
            case CONV2D -> conv(layer, x, w, b, variant);
            case MAX_POOL2D -> Functional.maxPool2d(x, layer.kernel(), new int[] {s, s}, new int[] {0, 0}, new int[] {1, 1}, false);
            case AVG_POOL2D -> Functional.avgPool2d(x, layer.kernel(), new int[] {s, s}, new int[] {0, 0}, false, true, 0);
            case FLATTEN -> x.reshape(n, NetworkSpec.size(is));
            case RNN -> throw new IllegalStateException("an rnn layer is worked step by step (RnnSteps)");
        };
    }

    /** A convolution layer worked as it is or with a mistake (see {@link Variant}); the engine's conv2d in every case. */
    private static Tensor conv(NetworkSpec.Layer layer, Tensor x, Tensor w, Tensor b, Variant variant) {
        int s = layer.stride();
        int p = layer.padding();
        return switch (variant) {
            case TRUE -> Functional.conv2d(x, w, b, s, p);
            case FLIPPED -> Functional.conv2d(x, flip(flip(w, 2), 3), b, s, p);
            case PAD_AFTER -> Functional.conv2d(zeroPad(x, 0, 2 * p), w, b, s, 0);
            case PAD_BEFORE -> Functional.conv2d(zeroPad(x, 2 * p, 0), w, b, s, 0);
            case STRIDE_ONE -> {
                Tensor all = Functional.conv2d(x, w, b, 1, p);
                int oh = NetworkSpec.window(x.shape()[2], layer.kernel()[2], s, p);
                int ow = NetworkSpec.window(x.shape()[3], layer.kernel()[3], s, p);
                yield all.narrow(2, 0, oh).narrow(3, 0, ow);
            }
        };
    }

    /** The tensor with its entries along {@code dim} in reverse order (slices joined back to front, so gradients flow). */
    static Tensor flip(Tensor t, int dim) {
        int n = t.shape()[dim];
        Tensor[] parts = new Tensor[n];
        for (int i = 0; i < n; i++) parts[i] = t.narrow(dim, n - 1 - i, 1);
        return n == 1 ? t : Tensor.cat(dim, parts);
    }

    /** [N, C, H, W] with {@code before} rows and columns of zeros before the input and {@code after} after it. */
    private static Tensor zeroPad(Tensor x, int before, int after) {
        int[] sh = x.shape();
        Tensor rows = x;
        if (before > 0) rows = Tensor.cat(2, Tensor.zeros(DType.FLOAT64, sh[0], sh[1], before, sh[3]), rows);
        if (after > 0) rows = Tensor.cat(2, rows, Tensor.zeros(DType.FLOAT64, sh[0], sh[1], after, sh[3]));
        int h = rows.shape()[2];
        Tensor out = rows;
        if (before > 0) out = Tensor.cat(3, Tensor.zeros(DType.FLOAT64, sh[0], sh[1], h, before), out);
        if (after > 0) out = Tensor.cat(3, out, Tensor.zeros(DType.FLOAT64, sh[0], sh[1], h, after));
        return out;
    }

    /** A layer's flat weights as the engine takes them: dense as they are, conv2d [out, in, kh, kw]. */
    static Tensor weightTensor(NetworkSpec.Layer layer, Tensor flatW) {
        return layer.kind() == Kind.CONV2D ? flatW.reshape(layer.kernel()) : flatW;
    }

    /** A [batch, ...] tensor as [batch][flat] values. */
    static double[][] flat(Tensor t) {
        return flatten(t).toDoubleMatrix();
    }

    /** A [batch, ...] tensor as [batch, flat]. */
    static Tensor flatten(Tensor t) {
        return t.reshape(t.shape()[0], t.numel() / Math.max(1, t.shape()[0]));
    }

    static int[] withBatch(int n, int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = n;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
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
        // a dense layer on every state: the loss over one row per (sample, step), as PyTorch's over [N·T, V]
        boolean perStep = spec.everyStep(spec.layers().size() - 1);
        Tensor y = Tensor.of(perStep ? spec.stepRows(spec.target()) : spec.target());
        UnaryOperator<Tensor> g = kind == Loss.CROSS_ENTROPY ? p -> kind.apply(ignoringZeroTargets(p, spec.target()), y) : p -> kind.apply(p, y);
        int[] rows = y.shape();
        UnaryOperator<Tensor> f = perStep ? p -> g.apply(p.reshape(rows)) : g;
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

    /**
     * Each step's part of the loss of a dense layer on every state, L = Σ_t L_t: the spec's loss
     * over step t's rows alone (a mean over N, or N·V, numbers) divided by T, since the loss is a
     * mean over the N·T rows; by the engine, {@code out} [batch][T·V].
     */
    double[] stepLosses(double[][] out) {
        int t = spec.steps();
        int v = out[0].length / t;
        double[] parts = new double[t];
        Loss kind = spec.loss();
        for (int s = 0; s < t; s++) {
            double[][] y = RnnSteps.at(spec.target(), s, v);
            Tensor p = Tensor.of(RnnSteps.at(out, s, v));
            Tensor value = kind.apply(kind == Loss.CROSS_ENTROPY ? ignoringZeroTargets(p, y) : p, Tensor.of(y));
            parts[s] = value.div(t).item();
        }
        return parts;
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
