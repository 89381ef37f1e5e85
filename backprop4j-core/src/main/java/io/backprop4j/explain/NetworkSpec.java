package io.backprop4j.explain;

import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.ELU;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Softmax;
import java.util.List;

/**
 * One training step to work out: an input (one sample or a batch), a target, a stack of dense
 * layers and a loss, and optionally the learning rate of a plain SGD step.
 *
 * <p>Layer {@code l} computes {@code net = in · W + b} and {@code output = f(net)}, where
 * {@code in} is the network's input for layer 0 and the previous layer's output after that.
 * Weights are laid out inputs x units: row {@code i} holds the weights leaving input {@code i}
 * (the layout of the spec file and of PyTorch's {@code x @ W}).
 *
 * <p>The constructor validates everything and throws a {@link SpecException} naming the field
 * ({@code layers[1].weights}) and, for shapes, both shapes:
 * <pre>{@code
 * layers[1].weights: is 4 x 2 (inputs x units), but layer 0 has 3 units: it needs 3 rows, one per input
 * }</pre>
 *
 * @param input one row per sample, [batch][features]
 * @param batched false when the spec gave a single sample as a flat list (shown flat again)
 * @param target [batch][output units]
 * @param layers in order, at least one
 * @param loss the loss, one of {@link #LOSSES}
 * @param learningRate the SGD step size, or null for no update
 */
public record NetworkSpec(double[][] input, boolean batched, double[][] target, List<Layer> layers,
                          Loss loss, Double learningRate) {

    /** The activations a layer may use, by spec name ({@link Activation#byName}), in the order error messages list them. */
    public static final List<String> ACTIVATIONS = List.of(
            "identity", "relu", "leaky_relu", "sigmoid", "tanh", "elu", "softplus", "gelu", "softmax");
    /** The losses a spec may use: those on probabilities (or any values, for mse). */
    public static final List<Loss> LOSSES = List.of(Loss.MSE, Loss.BINARY_CROSS_ENTROPY, Loss.CROSS_ENTROPY);

    /** The most units (or inputs) one layer may have. */
    public static final int MAX_UNITS = 1 << 16;
    /** The most numbers one matrix (weights, a batch of inputs, or of a layer's outputs) may hold. */
    public static final long MAX_ELEMENTS = 1L << 22;
    /** The most layers. */
    public static final int MAX_LAYERS = 1000;

    /**
     * One dense layer.
     *
     * @param weights [inputs][units]
     * @param bias one value per unit, or null for none
     * @param activation the activation module, one of {@link #ACTIVATIONS}; leaky_relu and elu
     *     carry their alpha
     */
    public record Layer(double[][] weights, double[] bias, Activation activation) {
        public Layer {
            if (activation == null) throw new SpecException(null, "a layer needs an activation (" + activationNames() + ")");
        }

        /** The activation's alpha (leaky_relu's slope, elu's scale); NaN for the others. */
        public double alpha() {
            return alphaOf(activation);
        }

        public int inputs() {
            return weights.length;
        }

        public int units() {
            return weights.length == 0 ? 0 : weights[0].length;
        }

        public boolean hasBias() {
            return bias != null;
        }
    }

    public NetworkSpec {
        layers = List.copyOf(layers);
        validate(input, target, layers, loss, learningRate);
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

    /** The last layer's unit count. */
    public int outputs() {
        return layers.getLast().units();
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

    private static void validate(double[][] input, double[][] target, List<Layer> layers, Loss loss, Double lr) {
        if (loss == null) throw new SpecException("loss", "missing; expected one of " + lossNames());
        if (!LOSSES.contains(loss)) throw new SpecException("loss", loss.specName() + " is not supported here; expected one of " + lossNames());
        if (layers.isEmpty()) throw new SpecException("layers", "empty; expected at least one layer with weights and an activation");
        if (layers.size() > MAX_LAYERS) throw new SpecException("layers", layers.size() + " layers, more than the limit of " + MAX_LAYERS);
        if (lr != null && !(lr > 0 && Double.isFinite(lr))) {
            throw new SpecException("learning_rate", "found " + lr + ", expected a finite number > 0 (such as 0.1); leave it out to show no update");
        }
        int features = matrix("input", input, "sample", "features");
        int batch = input.length;
        int prevUnits = features;
        String prevName = "the input";
        for (int l = 0; l < layers.size(); l++) {
            Layer layer = layers.get(l);
            String f = "layers[" + l + "]";
            if (layer == null) throw new SpecException(f, "missing; expected a layer with weights and an activation");
            int units = matrix(f + ".weights", layer.weights(), "input", "units");
            int rows = layer.weights().length;
            if (rows != prevUnits) {
                String hint = units == prevUnits
                        ? " (transposed? weights are inputs x units: row i holds the weights leaving input i)"
                        : "";
                throw new SpecException(f + ".weights", "is " + rows + " x " + units + " (inputs x units), but "
                        + prevName + " has " + prevUnits + (l == 0 ? " features" : " units") + ": it needs " + prevUnits
                        + " rows, one per input" + hint);
            }
            checkSize(f + " outputs", batch, units);
            if (layer.bias() != null) {
                if (layer.bias().length != units) {
                    throw new SpecException(f + ".bias", "has " + layer.bias().length + " values, but the layer has "
                            + units + " units (weights " + rows + " x " + units + "): it needs one per unit");
                }
                finite(f + ".bias", layer.bias());
            }
            String act = layer.activation().specName();
            if (!ACTIVATIONS.contains(act)) {
                throw new SpecException(f + ".activation", act + " is not supported here; expected one of " + activationNames());
            }
            double alpha = layer.alpha();
            if (hasAlpha(act) && !Double.isFinite(alpha)) throw new SpecException(f + ".alpha", "found " + alpha + ", expected a finite number");
            prevUnits = units;
            prevName = "layer " + l;
        }
        final int outs = prevUnits;
        if (target == null) throw new SpecException("target", "missing; expected " + shape(batch, outs));
        if (target.length != batch || java.util.Arrays.stream(target).anyMatch(r -> r == null || r.length != outs)) {
            throw new SpecException("target", "is " + shapeOf(target) + ", but the network's output is "
                    + shape(batch, outs) + " (" + batch + (batch == 1 ? " sample" : " samples") + " x " + outs
                    + " units of layer " + (layers.size() - 1) + ")");
        }
        for (int s = 0; s < batch; s++) finite("target", target[s]);
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
