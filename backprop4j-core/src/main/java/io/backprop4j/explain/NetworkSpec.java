package io.backprop4j.explain;

import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.ELU;
import io.backprop4j.nn.Identity;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Softmax;
import java.util.List;

/**
 * One training step to work out: an input (one sample or a batch), a target, a stack of layers
 * and a loss, and optionally the learning rate of a plain SGD step.
 *
 * <p>A dense layer {@code l} computes {@code net = in · W + b} and {@code output = f(net)}, where
 * {@code in} is the network's input for layer 0 and the previous layer's output after that.
 * Dense weights are laid out inputs x units: row {@code i} holds the weights leaving input {@code i}
 * (the layout of the spec file and of PyTorch's {@code x @ W}).
 *
 * <p>Images (an input of C x H x W per sample) go through {@link Kind#CONV2D} layers ({@code net =
 * conv2d(in, W, b)}, PyTorch's cross-correlation, weights out x in x kh x kw), {@link Kind#MAX_POOL2D}
 * and {@link Kind#AVG_POOL2D} layers, and a {@link Kind#FLATTEN} before the dense layers. Every
 * per-sample value is stored flat, one row per sample ([batch][C·H·W], row-major as PyTorch
 * flattens), and a convolution's weights as [out][in·kh·kw]; {@link #shape(int, Field)} gives the
 * layout to show them in.
 *
 * <p>A sequence (an input of T x F per sample: T time steps of F features) goes through a
 * {@link Kind#RNN} layer first, PyTorch's {@code nn.RNN} with tanh: {@code h_t = tanh(W_ih·x_t +
 * b_ih + W_hh·h_{t−1} + b_hh)} from an initial state h_0, W_ih hidden x features and W_hh hidden x
 * hidden (PyTorch's layout). Its per-sample values are T x H, one row per step; the layer after it
 * gets the last state h_T, and when it is the last layer the loss takes every state (a target of
 * T x H per sample).
 *
 * <p>The constructor validates everything and throws a {@link SpecException} naming the field
 * ({@code layers[1].weights}) and, for shapes, both shapes:
 * <pre>{@code
 * layers[1].weights: is 4 x 2 (inputs x units), but layer 0 has 3 units: it needs 3 rows, one per input
 * }</pre>
 *
 * @param input one row per sample, [batch][features] (images flattened: [batch][C·H·W])
 * @param batched false when the spec gave a single sample (shown without the batch dim again)
 * @param inputShape one sample's shape: {features}, or {C, H, W} for an image
 * @param target [batch][output units]
 * @param layers in order, at least one
 * @param loss the loss, one of {@link #LOSSES}
 * @param learningRate the SGD step size, or null for no update
 */
public record NetworkSpec(double[][] input, boolean batched, int[] inputShape, double[][] target, List<Layer> layers,
                          Loss loss, Double learningRate) {

    /** The activations a layer may use, by spec name ({@link Activation#byName}), in the order error messages list them. */
    public static final List<String> ACTIVATIONS = List.of(
            "identity", "relu", "leaky_relu", "sigmoid", "tanh", "elu", "softplus", "gelu", "softmax");
    /** The losses a spec may use: those on probabilities (or any values, for mse). */
    public static final List<Loss> LOSSES = List.of(Loss.MSE, Loss.BINARY_CROSS_ENTROPY, Loss.CROSS_ENTROPY);
    /** The layer types of a spec, by their {@code type:} name. */
    public static final List<String> TYPES = List.of("dense", "conv2d", "max_pool2d", "avg_pool2d", "flatten", "rnn");
    /** The most time steps of a sequence. */
    public static final int MAX_STEPS = 64;

    /** The most units (or inputs) one layer may have. */
    public static final int MAX_UNITS = 1 << 16;
    /** The most numbers one matrix (weights, a batch of inputs, or of a layer's outputs) may hold. */
    public static final long MAX_ELEMENTS = 1L << 22;
    /** The most layers. */
    public static final int MAX_LAYERS = 1000;

    /** What a layer computes. */
    public enum Kind {
        /** {@code net = in·W + b}, {@code out = f(net)}. */
        DENSE,
        /** {@code net[o,i,j] = b[o] + Σ_{c,u,v} W[o,c,u,v]·in[c, i·s − p + u, j·s − p + v]}, {@code out = f(net)}. */
        CONV2D,
        /** {@code out[c,i,j]} = the largest input of its k x k window. */
        MAX_POOL2D,
        /** {@code out[c,i,j]} = the mean of its k x k window. */
        AVG_POOL2D,
        /** {@code out} = the input's C x H x W values in one row. */
        FLATTEN,
        /** {@code net_t = W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh}, {@code h_t = tanh(net_t)}, t = 1..T. */
        RNN;

        /** The {@code type:} name in a spec, such as {@code max_pool2d}. */
        public String specName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** Whether the layer has weights (and a net input and an activation). */
        public boolean weighted() {
            return this == DENSE || this == CONV2D || this == RNN;
        }

        /** max_pool2d or avg_pool2d. */
        public boolean pool() {
            return this == MAX_POOL2D || this == AVG_POOL2D;
        }
    }

    /**
     * One layer.
     *
     * @param kind what it computes
     * @param weights dense: [inputs][units]; conv2d: [out][in·kh·kw] (each filter row-major); null for the others
     * @param bias one value per unit (per output channel), or null for none
     * @param activation the activation module, one of {@link #ACTIVATIONS}; leaky_relu and elu
     *     carry their alpha; identity for pooling and flatten
     * @param kernel conv2d: {out, in, kh, kw}; pooling: {k, k}; null for the others
     * @param stride conv2d and pooling (pooling: the kernel size unless given); 1 for the others
     * @param padding conv2d: zeros added on every side; 0 for the others
     * @param recurrent rnn: the hidden-to-hidden weights, their bias and the initial state (the
     *     layer's {@code weights} and {@code bias} are W_ih [hidden][features] and b_ih); null for the others
     * @param everyStep a dense layer right after an rnn, applied to every state h_1 … h_T (PyTorch's
     *     {@code nn.Linear} on the rnn's [N, T, H] output) rather than to h_T alone; false for the others
     */
    public record Layer(Kind kind, double[][] weights, double[] bias, Activation activation, int[] kernel, int stride, int padding,
                        Recurrent recurrent, boolean everyStep) {
        public Layer {
            if (kind == null) throw new SpecException(null, "a layer needs a type (" + String.join(", ", TYPES) + ")");
            if (activation == null) throw new SpecException(null, "a layer needs an activation (" + activationNames() + ")");
        }

        /** A layer that is not applied at every step. */
        public Layer(Kind kind, double[][] weights, double[] bias, Activation activation, int[] kernel, int stride, int padding,
                     Recurrent recurrent) {
            this(kind, weights, bias, activation, kernel, stride, padding, recurrent, false);
        }

        /** A layer without recurrent parts. */
        public Layer(Kind kind, double[][] weights, double[] bias, Activation activation, int[] kernel, int stride, int padding) {
            this(kind, weights, bias, activation, kernel, stride, padding, null);
        }

        /** A dense layer. */
        public Layer(double[][] weights, double[] bias, Activation activation) {
            this(Kind.DENSE, weights, bias, activation, null, 1, 0);
        }

        /**
         * A dense layer on every state of the rnn before it: {@code net_t = h_t·W + b}, {@code
         * out_t = f(net_t)} for t = 1..T, the same W at every step (a softmax per step); the loss
         * takes every step's output (a target of steps x units per sample), cross-entropy averaged
         * over the N·T steps as PyTorch's over [N·T, V].
         */
        public static Layer denseEveryStep(double[][] weights, double[] bias, Activation activation) {
            return new Layer(Kind.DENSE, weights, bias, activation, null, 1, 0, null, true);
        }

        /**
         * A recurrent layer, PyTorch's {@code nn.RNN(F, H, nonlinearity='tanh')}:
         * {@code h_t = tanh(W_ih·x_t + b_ih + W_hh·h_{t−1} + b_hh)}.
         *
         * @param weightsIh W_ih, [hidden][features]
         * @param biasIh b_ih, [hidden], or null
         * @param weightsHh W_hh, [hidden][hidden]
         * @param biasHh b_hh, [hidden], or null
         * @param initialState h_0: one row for every sample, or one row per sample; null for zeros
         */
        public static Layer rnn(double[][] weightsIh, double[] biasIh, double[][] weightsHh, double[] biasHh, double[][] initialState) {
            return new Layer(Kind.RNN, weightsIh, biasIh, new io.backprop4j.nn.Tanh(), null, 1, 0,
                    new Recurrent(weightsHh, biasHh, initialState));
        }

        /**
         * A 2-D convolution (PyTorch's conv2d: a cross-correlation).
         *
         * @param weights [out][in][kh][kw], PyTorch's layout; each filter non-empty and rectangular (checked here)
         */
        public static Layer conv2d(double[][][][] weights, double[] bias, Activation activation, int stride, int padding) {
            int[] k = kernelShape(weights);
            double[][] flat = new double[k[0]][k[1] * k[2] * k[3]];
            for (int o = 0; o < k[0]; o++) {
                int at = 0;
                for (double[][] ch : weights[o]) for (double[] row : ch) for (double v : row) flat[o][at++] = v;
            }
            return new Layer(Kind.CONV2D, flat, bias, activation, k, stride, padding);
        }

        /** Max or average pooling over k x k windows, {@code stride} apart. */
        public static Layer pool(Kind kind, int kernel, int stride) {
            if (!kind.pool()) throw new IllegalArgumentException(kind + " is not a pooling");
            return new Layer(kind, null, null, new Identity(), new int[] {kernel, kernel}, stride, 0);
        }

        /** The flatten before a dense layer. */
        public static Layer flatten() {
            return new Layer(Kind.FLATTEN, null, null, new Identity(), null, 1, 0);
        }

        /** The activation's alpha (leaky_relu's slope, elu's scale); NaN for the others. */
        public double alpha() {
            return alphaOf(activation);
        }

        /** Dense: the rows of the weights (inputs); conv2d: the output channels; 0 without weights. */
        public int inputs() {
            return weights == null ? 0 : weights.length;
        }

        /** Dense: the columns of the weights (units); conv2d: the numbers in one filter; 0 without weights. */
        public int units() {
            return weights == null || weights.length == 0 ? 0 : weights[0].length;
        }

        public boolean hasBias() {
            return bias != null;
        }

        /** An rnn's hidden size (the rows of W_ih); 0 for the others. */
        public int hidden() {
            return kind == Kind.RNN && weights != null ? weights.length : 0;
        }

        /** An rnn's W_hh, or null. */
        public double[][] weightsHh() {
            return recurrent == null ? null : recurrent.weightsHh();
        }

        /** An rnn's b_hh, or null. */
        public double[] biasHh() {
            return recurrent == null ? null : recurrent.biasHh();
        }

        /** An rnn's initial state of sample b (zeros when the spec gave none; one row is every sample's). */
        public double[] initialState(int b) {
            double[][] h0 = recurrent == null ? null : recurrent.initialState();
            if (h0 == null) return new double[hidden()];
            return h0.length == 1 ? h0[0] : h0[b];
        }

        /** A convolution's weights in PyTorch's layout, [out][in][kh][kw]. */
        public double[][][][] kernel4d() {
            double[][][][] w = new double[kernel[0]][kernel[1]][kernel[2]][kernel[3]];
            for (int o = 0; o < kernel[0]; o++) {
                int at = 0;
                for (int c = 0; c < kernel[1]; c++) for (int u = 0; u < kernel[2]; u++) for (int v = 0; v < kernel[3]; v++) w[o][c][u][v] = weights[o][at++];
            }
            return w;
        }

        private static int[] kernelShape(double[][][][] w) {
            if (w == null || w.length == 0 || w[0] == null || w[0].length == 0 || w[0][0] == null || w[0][0].length == 0
                    || w[0][0][0] == null || w[0][0][0].length == 0) {
                throw new SpecException("weights", "missing or empty; expected out x in x kh x kw numbers");
            }
            int[] k = {w.length, w[0].length, w[0][0].length, w[0][0][0].length};
            for (int o = 0; o < k[0]; o++) {
                if (w[o] == null || w[o].length != k[1]) throw new SpecException("weights", "ragged: filter " + o + " has " + (w[o] == null ? 0 : w[o].length) + " channels, filter 0 has " + k[1]);
                for (int c = 0; c < k[1]; c++) {
                    if (w[o][c] == null || w[o][c].length != k[2]) throw new SpecException("weights", "ragged: filter " + o + " channel " + c + " has " + (w[o][c] == null ? 0 : w[o][c].length) + " rows, expected " + k[2]);
                    for (double[] row : w[o][c]) {
                        if (row == null || row.length != k[3]) throw new SpecException("weights", "ragged: a kernel row of filter " + o + " has " + (row == null ? 0 : row.length) + " values, expected " + k[3]);
                    }
                }
            }
            return k;
        }
    }

    /**
     * The recurrent parts of an rnn layer.
     *
     * @param weightsHh W_hh, [hidden][hidden]
     * @param biasHh b_hh, or null
     * @param initialState h_0 as one row (every sample's) or one row per sample; null for zeros
     */
    public record Recurrent(double[][] weightsHh, double[] biasHh, double[][] initialState) {}

    /** A dense network: one sample's shape is its feature count. */
    public NetworkSpec(double[][] input, boolean batched, double[][] target, List<Layer> layers, Loss loss, Double learningRate) {
        this(input, batched, input == null || input.length == 0 || input[0] == null ? null : new int[] {input[0].length},
                target, layers, loss, learningRate);
    }

    public NetworkSpec {
        layers = List.copyOf(layers);
        if (inputShape == null && input != null && input.length > 0 && input[0] != null) inputShape = new int[] {input[0].length};
        validate(input, inputShape, target, layers, loss, learningRate);
    }

    /** The activation with this spec name (one of {@link #ACTIVATIONS}) and alpha (null: the default), or null for another name. */
    public static Activation activation(String name, Double alpha) {
        return name != null && ACTIVATIONS.contains(name) ? Activation.byName(name, alpha) : null;
    }

    /** Whether the activation with this spec name takes an alpha: leaky_relu and elu. */
    public static boolean hasAlpha(String name) {
        return "leaky_relu".equals(name) || "elu".equals(name);
    }

    /** The valid activation names, comma separated, for error messages. */
    public static String activationNames() {
        return String.join(", ", ACTIVATIONS);
    }

    /** The loss with this spec name (one of {@link #LOSSES}), or null. */
    public static Loss loss(String name) {
        Loss l = name == null ? null : Loss.byName(name);
        return l != null && LOSSES.contains(l) ? l : null;
    }

    /** The valid loss names, comma separated, for error messages. */
    public static String lossNames() {
        return String.join(", ", LOSSES.stream().map(Loss::specName).toList());
    }

    /** An activation's alpha (leaky_relu, elu), NaN for the others. */
    static double alphaOf(Activation a) {
        return switch (a) {
            case LeakyReLU l -> l.alpha();
            case ELU e -> e.alpha();
            default -> Double.NaN;
        };
    }

    /** Whether each output depends on its own net input only (everything but softmax). */
    static boolean elementwise(Activation a) {
        return !(a instanceof Softmax);
    }

    /** The number of samples. */
    public int batch() {
        return input.length;
    }

    /** The number of values the network puts out per sample (the last layer's units). */
    public int outputs() {
        return size(outShape(layers.size() - 1));
    }

    /** Whether every layer is dense (the networks the drawing and the chain-rule pages show). */
    public boolean dense() {
        return layers.stream().allMatch(l -> l.kind() == Kind.DENSE);
    }

    /** One sample's input to layer l: {units}, {C, H, W}, or {T, F} for an rnn (after an rnn: its last state, {H}). */
    public int[] inShape(int l) {
        int[] shape = inputShape.clone();
        for (int k = 0; k < l; k++) shape = fed(k, next(layers.get(k), shape));
        return shape;
    }

    /** Whether the input is a sequence (T x F per sample), for an rnn. */
    public boolean sequence() {
        return inputShape.length == 2;
    }

    /** The time steps of the input sequence, or 0. */
    public int steps() {
        return sequence() ? inputShape[0] : 0;
    }

    /** The index of the rnn layer (the first), or −1. */
    public int rnnLayer() {
        return !layers.isEmpty() && layers.get(0).kind() == Kind.RNN ? 0 : -1;
    }

    /** Whether layer l is a dense layer on every state of the rnn (see {@link Layer#denseEveryStep}). */
    public boolean everyStep(int l) {
        return l >= 0 && l < layers.size() && layers.get(l).everyStep();
    }

    /** Whether the loss takes one output per time step: the rnn is the last layer, or a dense layer on every state is. */
    public boolean lossPerStep() {
        return sequence() && (layers.getLast().kind() == Kind.RNN || layers.getLast().everyStep());
    }

    /**
     * A per-sample field of layer l as the loss and the every-step layer see it, one row per (sample,
     * step): [N][T·w] as [N·T][w] (sample b's step t in row b·T + t); the field as it is for the others.
     */
    public double[][] stepRows(double[][] m) {
        int t = steps();
        int w = m[0].length / t;
        double[][] out = new double[m.length * t][w];
        for (int b = 0; b < m.length; b++) for (int s = 0; s < t; s++) System.arraycopy(m[b], s * w, out[b * t + s], 0, w);
        return out;
    }

    /** The inverse of {@link #stepRows}: [N·T][w] back to [N][T·w]. */
    public double[][] sampleRows(double[][] m) {
        int t = steps();
        int w = m[0].length;
        double[][] out = new double[m.length / t][t * w];
        for (int r = 0; r < m.length; r++) System.arraycopy(m[r], 0, out[r / t], (r % t) * w, w);
        return out;
    }

    /** What the next layer gets of a layer's values: an rnn's last state (every state for a dense layer on each), everything of the others. */
    private int[] fed(int l, int[] out) {
        return layers.get(l).kind() == Kind.RNN && !everyStep(l + 1) ? new int[] {out[1]} : out;
    }

    /** One sample's output (and net input) of layer l: {units} or {C, H, W}. */
    public int[] outShape(int l) {
        return next(layers.get(l), inShape(l));
    }

    /**
     * The layout to show a field of layer l in: per-sample fields one sample's shape (the batch
     * dim in front when {@code withBatch}), weights {inputs, units} (dense) or {out, in, kh, kw}
     * (conv2d), biases {units}.
     */
    public int[] shape(int l, Field f, boolean withBatch) {
        Layer layer = layers.get(l);
        if (f.stepwise()) {
            int h = layer.hidden();
            return f == Field.STEP_BIAS_GRAD ? new int[] {steps(), h} : new int[] {steps(), h, f == Field.STEP_WEIGHTS_GRAD ? inputShape[1] : h};
        }
        if (f.bias()) return new int[] {layer.kind() == Kind.RNN ? layer.hidden() : layer.bias() == null ? 0 : layer.bias().length};
        if (f.recurrent()) return new int[] {layer.hidden(), layer.hidden()};
        if (!f.perSample()) return layer.kind() == Kind.CONV2D ? layer.kernel().clone() : new int[] {layer.inputs(), layer.units()};
        int[] one = outShape(l);
        if (!withBatch) return one;
        int[] s = new int[one.length + 1];
        s[0] = batch();
        System.arraycopy(one, 0, s, 1, one.length);
        return s;
    }

    /** The product of the sizes. */
    public static int size(int[] shape) {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** A shape as people write it: "2 x 3 x 3". */
    public static String str(int[] shape) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < shape.length; i++) sb.append(i == 0 ? "" : " x ").append(shape[i]);
        return sb.toString();
    }

    /** One sample's shape after a layer, given its input's (shapes already validated). */
    private static int[] next(Layer layer, int[] in) {
        return switch (layer.kind()) {
            case DENSE -> layer.everyStep() && in.length == 2 ? new int[] {in[0], layer.units()} : new int[] {layer.units()};
            case CONV2D -> new int[] {layer.kernel()[0], window(in[1], layer.kernel()[2], layer.stride(), layer.padding()),
                    window(in[2], layer.kernel()[3], layer.stride(), layer.padding())};
            case MAX_POOL2D, AVG_POOL2D -> new int[] {in[0], window(in[1], layer.kernel()[0], layer.stride(), 0),
                    window(in[2], layer.kernel()[1], layer.stride(), 0)};
            case FLATTEN -> new int[] {size(in)};
            case RNN -> new int[] {in[0], layer.hidden()};
        };
    }

    /** Output positions of a window of k over n inputs, p zeros each side, s apart. */
    static int window(int n, int k, int s, int p) {
        return (n + 2 * p - k) / s + 1;
    }

    /**
     * Refuses a matrix of {@code rows x cols} that exceeds the limits, before anything is
     * allocated; readers call this with the sizes they are about to read.
     */
    public static void checkSize(String field, long rows, long cols) {
        if (rows > MAX_UNITS || cols > MAX_UNITS || rows * cols > MAX_ELEMENTS) {
            throw new SpecException(field, "is " + rows + " x " + cols + ", larger than the limit of "
                    + MAX_UNITS + " rows or columns and " + MAX_ELEMENTS + " numbers; explain is for networks a person can follow");
        }
    }

    private static void validate(double[][] input, int[] inputShape, double[][] target, List<Layer> layers, Loss loss, Double lr) {
        if (loss == null) throw new SpecException("loss", "missing; expected one of " + lossNames());
        if (!LOSSES.contains(loss)) throw new SpecException("loss", loss.specName() + " is not supported here; expected one of " + lossNames());
        if (layers.isEmpty()) throw new SpecException("layers", "empty; expected at least one layer with weights and an activation");
        if (layers.size() > MAX_LAYERS) throw new SpecException("layers", layers.size() + " layers, more than the limit of " + MAX_LAYERS);
        if (lr != null && !(lr > 0 && Double.isFinite(lr))) {
            throw new SpecException("learning_rate", "found " + lr + ", expected a finite number > 0 (such as 0.1); leave it out to show no update");
        }
        int features = matrix("input", input, "sample", "features");
        if (inputShape == null || !(inputShape.length == 1 || inputShape.length == 2 || inputShape.length == 3) || size(inputShape) != features) {
            throw new SpecException("input", "the shape " + (inputShape == null ? "null" : str(inputShape)) + " does not hold the "
                    + features + " values of a sample; expected features, steps x features (a sequence), or channels x height x width");
        }
        boolean rnnFirst = layers.get(0) != null && layers.get(0).kind() == Kind.RNN;
        if (inputShape.length == 2 && !rnnFirst) {
            throw new SpecException("layers[0]", "the input is a sequence (" + str(inputShape) + ": steps x features), which an rnn layer takes; "
                    + "make layer 0 type: rnn");
        }
        int batch = input.length;
        int[] shape = inputShape;
        String prevName = "the input";
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            String f = "layers[" + l + "]";
            if (layer == null) throw new SpecException(f, "missing; expected a layer with weights and an activation");
            String was = prevName + (shape.length == 3 ? " gives " + str(shape) + " (channels x height x width)"
                    : shape.length == 2 ? " gives " + str(shape) + " (steps x features)" : " gives " + shape[0] + " values");
            switch (layer.kind()) {
                case DENSE -> {
                    if (layer.everyStep()) {
                        if (l == 0 || layers.get(l - 1) == null || layers.get(l - 1).kind() != Kind.RNN) {
                            throw new SpecException(f + ".every_step", "a dense layer on every step takes an rnn's states, but " + was
                                    + "; put it right after the rnn layer, or leave every_step out");
                        }
                        if (l != layers.size() - 1) {
                            throw new SpecException(f + ".every_step", "a dense layer on every step is the output layer: the loss takes its "
                                    + "every step; make it the last layer");
                        }
                        dense(f, layer, shape[1], l, "layer " + (l - 1) + " (rnn)'s states", layers);
                        break;
                    }
                    if (shape.length != 1) {
                        throw new SpecException(f + ".weights", "a dense layer takes a flat input, but " + was + "; put a flatten layer before it");
                    }
                    dense(f, layer, shape[0], l, prevName, layers);
                }
                case CONV2D -> conv(f, layer, shape, was);
                case MAX_POOL2D, AVG_POOL2D -> {
                    if (shape.length != 3) {
                        throw new SpecException(f, layer.kind().specName() + " takes channels x height x width, but " + was);
                    }
                    int[] k = layer.kernel();
                    if (k == null || k[0] < 1 || k[1] < 1) throw new SpecException(f + ".kernel", "expected a whole number >= 1");
                    if (layer.stride() < 1) throw new SpecException(f + ".stride", "found " + layer.stride() + ", expected a whole number >= 1");
                    if (k[0] > shape[1] || k[1] > shape[2]) {
                        throw new SpecException(f + ".kernel", "the window is " + k[0] + " x " + k[1] + ", larger than the input's "
                                + shape[1] + " x " + shape[2] + " (" + was + ")");
                    }
                }
                case FLATTEN -> { }
                case RNN -> rnn(f, layer, l, shape, was, batch);
            }
            shape = next(layer, shape);
            checkSize(f + " outputs", batch, size(shape));
            if (l < layers.size() - 1 && layer.kind() == Kind.RNN && !layers.get(l + 1).everyStep()) shape = new int[] {shape[1]};
            if (layer.kind().weighted()) {
                String act = layer.activation().specName();
                if (!ACTIVATIONS.contains(act)) {
                    throw new SpecException(f + ".activation", act + " is not supported here; expected one of " + activationNames());
                }
                if (layer.kind() == Kind.CONV2D && !elementwise(layer.activation())) {
                    throw new SpecException(f + ".activation", act + " mixes a layer's units; a conv2d layer takes an element-wise activation ("
                            + String.join(", ", ACTIVATIONS.subList(0, ACTIVATIONS.size() - 1)) + ")");
                }
                double alpha = layer.alpha();
                if (hasAlpha(act) && !Double.isFinite(alpha)) throw new SpecException(f + ".alpha", "found " + alpha + ", expected a finite number");
            }
            prevName = "layer " + l + (layer.kind() == Kind.DENSE ? "" : " (" + layer.kind().specName() + ")")
                    + (layer.kind() == Kind.RNN ? (l + 1 < layers.size() && layers.get(l + 1) != null && layers.get(l + 1).everyStep() ? "'s states" : "'s last state") : "");
        }
        boolean stepsOut = layers.getLast().everyStep();
        boolean sequenceOut = layers.getLast().kind() == Kind.RNN || stepsOut;
        if (sequenceOut) shape = new int[] {size(shape)};
        if (shape.length != 1) {
            throw new SpecException("layers[" + (layers.size() - 1) + "]", "the network ends in " + str(shape)
                    + " feature maps (channels x height x width); end it with flatten and a dense layer");
        }
        final int outs = shape[0];
        if (target == null) throw new SpecException("target", "missing; expected " + shape(batch, outs));
        if (target.length != batch || java.util.Arrays.stream(target).anyMatch(r -> r == null || r.length != outs)) {
            if (sequenceOut) {
                int h = stepsOut ? layers.getLast().units() : layers.getLast().hidden();
                String has = target.length != batch ? target.length + " samples" : (target[0] == null ? 0 : target[0].length)
                        + " values" + (batch == 1 ? "" : " per sample");
                throw new SpecException("target", "has " + has + ", but " + (stepsOut ? "the dense layer's outputs on every step" : "the rnn's states")
                        + " are " + (batch == 1 ? "" : batch + " x ") + (outs / h) + " x " + h + " (" + (batch == 1 ? "" : "samples x ") + "steps x "
                        + (stepsOut ? "units): a target per step" : "hidden): a target per state"));
            }
            throw new SpecException("target", "is " + shapeOf(target) + ", but the network's output is "
                    + shape(batch, outs) + " (" + batch + (batch == 1 ? " sample" : " samples") + " x " + outs
                    + " units of layer " + (layers.size() - 1) + ")");
        }
        for (int s = 0; s < batch; s++) finite("target", target[s]);
    }

    private static void dense(String f, Layer layer, int prevUnits, int l, String prevName, List<Layer> layers) {
        int units = matrix(f + ".weights", layer.weights(), "input", "units");
        int rows = layer.weights().length;
        if (rows != prevUnits) {
            String hint = units == prevUnits
                    ? " (transposed? weights are inputs x units: row i holds the weights leaving input i)"
                    : "";
            Layer prev = l == 0 ? null : layers.get(l - 1);
            String has = prev != null && prev.kind() == Kind.FLATTEN
                    ? " (flatten) gives " + prevUnits + " features"
                    : " has " + prevUnits + (l == 0 ? " features" : " units");
            throw new SpecException(f + ".weights", "is " + rows + " x " + units + " (inputs x units), but "
                    + (prev != null && prev.kind() == Kind.FLATTEN ? "layer " + (l - 1) : prevName) + has + ": it needs " + prevUnits
                    + " rows, one per input" + hint);
        }
        bias(f, layer, units, " (weights " + rows + " x " + units + ")", "unit");
    }

    private static void bias(String f, Layer layer, int units, String what, String per) {
        bias(f + ".bias", layer.bias(), units, what, per);
    }

    private static void bias(String field, double[] b, int units, String what, String per) {
        if (b == null) return;
        if (b.length != units) {
            throw new SpecException(field, "has " + b.length + " values, but the layer has "
                    + units + " " + per + "s" + what + ": it needs one per " + per);
        }
        finite(field, b);
    }

    /** An rnn layer: first, on a sequence of at most {@link #MAX_STEPS} steps, W_ih hidden x features, W_hh hidden x hidden, tanh. */
    private static void rnn(String f, Layer layer, int l, int[] shape, String was, int batch) {
        if (l != 0 || shape.length != 2) {
            throw new SpecException(f, "an rnn layer takes the input sequence (steps x features), but " + was
                    + (l != 0 ? "; make it layer 0 (one rnn per spec)" : "; give the input as steps x features"));
        }
        if (shape[0] > MAX_STEPS) throw new SpecException("input", shape[0] + " time steps, more than the limit of " + MAX_STEPS);
        if (!(layer.activation() instanceof io.backprop4j.nn.Tanh)) {
            throw new SpecException(f + ".activation", layer.activation().specName() + " is not supported here; an rnn layer uses tanh");
        }
        int features = matrix(f + ".weights_ih", layer.weights(), "hidden unit", "features");
        int hidden = layer.weights().length;
        if (features != shape[1]) {
            throw new SpecException(f + ".weights_ih", "is " + hidden + " x " + features + " (hidden x features, PyTorch's layout), but "
                    + was + ": it needs " + shape[1] + " columns, one per feature"
                    + (hidden == shape[1] ? " (transposed? W_ih is hidden x features: row j holds the weights into hidden unit j)" : ""));
        }
        Recurrent r = layer.recurrent();
        if (r == null || r.weightsHh() == null) throw new SpecException(f + ".weights_hh", "missing; expected hidden x hidden numbers (" + hidden + " x " + hidden + ")");
        int hh = matrix(f + ".weights_hh", r.weightsHh(), "hidden unit", "hidden units");
        if (r.weightsHh().length != hidden || hh != hidden) {
            throw new SpecException(f + ".weights_hh", "is " + r.weightsHh().length + " x " + hh + ", but weights_ih gives " + hidden
                    + " hidden units (" + hidden + " x " + features + "): it needs " + hidden + " x " + hidden);
        }
        String what = " (weights_ih " + hidden + " x " + features + ")";
        bias(f + ".bias_ih", layer.bias(), hidden, what, "hidden unit");
        bias(f + ".bias_hh", r.biasHh(), hidden, what, "hidden unit");
        double[][] h0 = r.initialState();
        if (h0 != null) {
            if (h0.length != 1 && h0.length != batch || java.util.Arrays.stream(h0).anyMatch(row -> row == null || row.length != hidden)) {
                throw new SpecException(f + ".initial_state", "is " + shapeOf(h0) + ", but the layer has " + hidden + " hidden units: it needs "
                        + hidden + " values" + (batch > 1 ? " (every sample's), or " + batch + " x " + hidden + " (one row per sample)" : ""));
            }
            for (double[] row : h0) finite(f + ".initial_state", row);
        }
    }

    private static void conv(String f, Layer layer, int[] shape, String was) {
        int[] k = layer.kernel();
        if (k == null || layer.weights() == null) throw new SpecException(f + ".weights", "missing; expected out x in x kh x kw numbers");
        if (shape.length != 3) throw new SpecException(f + ".weights", "conv2d takes channels x height x width, but " + was);
        matrix(f + ".weights", layer.weights(), "filter", "values");
        if (layer.stride() < 1) throw new SpecException(f + ".stride", "found " + layer.stride() + ", expected a whole number >= 1");
        if (layer.padding() < 0) throw new SpecException(f + ".padding", "found " + layer.padding() + ", expected a whole number >= 0");
        if (k[1] != shape[0]) {
            throw new SpecException(f + ".weights", "is " + str(k) + " (out x in x kh x kw): " + k[1] + " input channel" + (k[1] == 1 ? "" : "s")
                    + ", but " + was + ": it needs " + shape[0]);
        }
        int ph = shape[1] + 2 * layer.padding();
        int pw = shape[2] + 2 * layer.padding();
        if (k[2] > ph || k[3] > pw) {
            throw new SpecException(f + ".weights", "the kernel is " + k[2] + " x " + k[3] + ", larger than the padded input " + ph + " x " + pw
                    + " (" + was + ", padding " + layer.padding() + ")");
        }
        bias(f, layer, k[0], " (weights " + str(k) + ")", "output channel");
    }

    /** Checks a non-empty, rectangular, finite matrix; returns its column count. */
    private static int matrix(String field, double[][] m, String rowWord, String colWord) {
        if (m == null || m.length == 0) throw new SpecException(field, "missing or empty; expected a matrix (a list of rows)");
        if (m[0] == null || m[0].length == 0) throw new SpecException(field, "row 0 is empty; expected at least one number");
        int cols = m[0].length;
        checkSize(field, m.length, cols);
        for (int i = 0; i < m.length; i++) {
            if (m[i] == null || m[i].length != cols) {
                throw new SpecException(field, "ragged rows: row " + i + " has " + (m[i] == null ? 0 : m[i].length)
                        + " values, row 0 has " + cols + "; every row needs the same count");
            }
            finite(field, m[i]);
        }
        return cols;
    }

    private static void finite(String field, double[] v) {
        for (double x : v) {
            if (!Double.isFinite(x)) throw new SpecException(field, "found " + x + ", expected finite numbers");
        }
    }

    private static String shape(int rows, int cols) {
        return rows == 1 ? "[" + cols + "] (or [1 x " + cols + "])" : rows + " x " + cols;
    }

    private static String shapeOf(double[][] m) {
        if (m.length == 0) return "empty";
        StringBuilder sb = new StringBuilder().append(m.length).append(" x ");
        if (java.util.Arrays.stream(m).allMatch(r -> r != null && r.length == m[0].length)) return sb.append(m[0].length).toString();
        return sb.append("(ragged)").toString();
    }
}
