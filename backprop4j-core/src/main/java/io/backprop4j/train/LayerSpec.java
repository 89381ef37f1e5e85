package io.backprop4j.train;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.Module;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * One layer of an {@link Architecture}: its type and every setting, enough to build it again.
 * The types and fields are those of the layers' Java constructors, in snake case; a model file's
 * metadata stores them as JSON (every field written out), {@code train --model FILE.yaml} reads
 * them from YAML (defaults as the constructors', input sizes inferred):
 * <pre>
 *   type                 fields (default)
 *   linear               in (inferred), out, bias (true)
 *   conv2d               in_channels (inferred), out_channels, kernel, stride (1), padding (0), dilation (1), groups (1), bias (true)
 *   conv1d               in_channels (inferred), out_channels, kernel, stride (1), padding (0), dilation (1), groups (1), bias (true)
 *   max_pool2d           kernel, stride (the kernel), padding (0), dilation (1), ceil_mode (false)
 *   avg_pool2d           kernel, stride (the kernel), padding (0), ceil_mode (false), count_include_pad (true), divisor_override (0: none)
 *   adaptive_avg_pool2d  output
 *   batch_norm1d         features (inferred), eps (1e-5), momentum (0.1)
 *   batch_norm2d         features (inferred), eps (1e-5), momentum (0.1)
 *   flatten              start_dim (1), end_dim (-1)
 *   unflatten            dim (1), sizes
 *   dropout, dropout2d   p
 *   random_shift2d       max_shift, flip (false), fill (0)
 *   relu, sigmoid, tanh, softplus, gelu, identity, softmax, log_softmax
 *   leaky_relu           alpha (0.01)
 *   elu                  alpha (1.0)
 *   embedding            vocabulary, dim: int64 tokens [N, T] to [N, T, dim]
 *   positional_embedding max_length, dim (inferred): adds a learnt vector per position, T ≤ max_length
 *   layer_norm           dim (inferred), eps (1e-5)
 *   transformer_block    dim (inferred), heads, feed_forward (4 dim), dropout (0)
 *   lstm, gru, rnn       input (inferred), hidden, layers (1), dropout (0): batch first, [N, T, input] to [N, T, hidden]
 * </pre>
 * kernel, stride, padding, dilation and output take one number for both axes, or [h, w]. Shapes
 * count the batch as dim 0, as the layers do ({@code flatten}'s start_dim 1 keeps the batch).
 * {@code linear} also maps a sequence [N, T, in] to [N, T, out], position by position.
 */
public sealed interface LayerSpec {
    /** The type names, in the order above. */
    List<String> TYPES = List.of("linear", "conv2d", "conv1d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "batch_norm1d",
            "batch_norm2d", "flatten", "unflatten", "dropout", "dropout2d", "random_shift2d", "relu", "leaky_relu", "sigmoid", "tanh",
            "elu", "softplus", "gelu", "identity", "softmax", "log_softmax", "embedding", "positional_embedding", "layer_norm",
            "transformer_block", "lstm", "gru", "rnn");

    /** The type name: "conv2d"... */
    String type();

    /** Every field but the type, in the order of the table above (pairs as int[2]). */
    Map<String, Object> fields();

    /**
     * The output shape for an input of {@code in} (the batch first, any size), as the layer's
     * forward computes it.
     *
     * @throws BackpropException naming the input shape and what does not fit
     */
    int[] outputShape(int[] in);

    /** The module; layers that draw during training (dropout, augmentation) draw from {@code rng}, as do the weights. */
    Module build(RandomGenerator rng);

    /** The number of parameters and buffer elements the module holds (long: checked before anything is built). */
    default long tensorElements() {
        return 0;
    }

    /** The type and the fields, for JSON. */
    default Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", type());
        m.putAll(fields());
        return m;
    }

    // ---------------------------------------------------------------------------------------------- the layers

    /** {@link io.backprop4j.nn.Linear}: [N, in] to [N, out]. */
    record Linear(int in, int out, boolean bias) implements LayerSpec {
        public String type() { return "linear"; }

        public Map<String, Object> fields() { return map("in", in, "out", out, "bias", bias); }

        public int[] outputShape(int[] s) {
            if (s.length != 2 && s.length != 3) throw new BackpropException("takes [N, features], got " + str(s) + ": put a flatten before it");
            int f = s[s.length - 1];
            if (f != in) throw new BackpropException("in " + in + " does not fit its input " + str(s) + " (" + f + " features)");
            int[] o = s.clone();
            o[o.length - 1] = out;
            return o;
        }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.Linear(in, out, bias, io.backprop4j.tensor.DType.FLOAT32, rng); }

        public long tensorElements() { return (long) in * out + (bias ? out : 0); }
    }

    /** {@link io.backprop4j.nn.Conv2d}: [N, in_channels, H, W] to [N, out_channels, OH, OW]. */
    record Conv2d(int inChannels, int outChannels, int[] kernel, int[] stride, int[] padding, int[] dilation, int groups, boolean bias)
            implements LayerSpec {
        public String type() { return "conv2d"; }

        public Map<String, Object> fields() {
            return map("in_channels", inChannels, "out_channels", outChannels, "kernel", kernel, "stride", stride, "padding", padding,
                    "dilation", dilation, "groups", groups, "bias", bias);
        }

        public int[] outputShape(int[] s) {
            if (s.length != 4) throw new BackpropException("takes [N, channels, height, width], got " + str(s));
            if (s[1] != inChannels) {
                throw new BackpropException("in_channels " + inChannels + " does not fit its input " + str(s) + " (" + s[1] + " channels)");
            }
            int[] o = {s[0], outChannels, 0, 0};
            for (int a = 0; a < 2; a++) o[2 + a] = convSize(s, a, kernel[a], stride[a], padding[a], dilation[a]);
            return o;
        }

        public Module build(RandomGenerator rng) {
            return io.backprop4j.nn.Conv2d.builder(inChannels, outChannels, kernel[0], kernel[1]).stride(stride[0], stride[1])
                    .padding(padding[0], padding[1]).dilation(dilation[0], dilation[1]).groups(groups).bias(bias).build(rng);
        }

        public long tensorElements() {
            return (long) outChannels * (inChannels / groups) * kernel[0] * kernel[1] + (bias ? outChannels : 0);
        }

        @Override public boolean equals(Object o) { return o instanceof LayerSpec l && toMap().equals(l.toMap()); }
        @Override public int hashCode() { return toMap().hashCode(); }
    }

    /** {@link io.backprop4j.nn.Conv1d}: [N, in_channels, L] to [N, out_channels, OL]. */
    record Conv1d(int inChannels, int outChannels, int kernel, int stride, int padding, int dilation, int groups, boolean bias)
            implements LayerSpec {
        public String type() { return "conv1d"; }

        public Map<String, Object> fields() {
            return map("in_channels", inChannels, "out_channels", outChannels, "kernel", kernel, "stride", stride, "padding", padding,
                    "dilation", dilation, "groups", groups, "bias", bias);
        }

        public int[] outputShape(int[] s) {
            if (s.length != 3) throw new BackpropException("takes [N, channels, length], got " + str(s));
            if (s[1] != inChannels) {
                throw new BackpropException("in_channels " + inChannels + " does not fit its input " + str(s) + " (" + s[1] + " channels)");
            }
            return new int[] {s[0], outChannels, convSize(s, 0, kernel, stride, padding, dilation)};
        }

        public Module build(RandomGenerator rng) {
            return new io.backprop4j.nn.Conv1d(inChannels, outChannels, kernel, stride, padding, dilation, groups, bias,
                    io.backprop4j.tensor.DType.FLOAT32, rng);
        }

        public long tensorElements() { return (long) outChannels * (inChannels / groups) * kernel + (bias ? outChannels : 0); }
    }

    /** {@link io.backprop4j.nn.MaxPool2d}. */
    record MaxPool2d(int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) implements LayerSpec {
        public String type() { return "max_pool2d"; }

        public Map<String, Object> fields() {
            return map("kernel", kernel, "stride", stride, "padding", padding, "dilation", dilation, "ceil_mode", ceilMode);
        }

        public int[] outputShape(int[] s) { return rank4(s, ((io.backprop4j.nn.MaxPool2d) build(null))::outputShape); }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.MaxPool2d(kernel, stride, padding, dilation, ceilMode); }

        @Override public boolean equals(Object o) { return o instanceof LayerSpec l && toMap().equals(l.toMap()); }
        @Override public int hashCode() { return toMap().hashCode(); }
    }

    /** {@link io.backprop4j.nn.AvgPool2d}. */
    record AvgPool2d(int[] kernel, int[] stride, int[] padding, boolean ceilMode, boolean countIncludePad, int divisorOverride)
            implements LayerSpec {
        public String type() { return "avg_pool2d"; }

        public Map<String, Object> fields() {
            return map("kernel", kernel, "stride", stride, "padding", padding, "ceil_mode", ceilMode, "count_include_pad", countIncludePad,
                    "divisor_override", divisorOverride);
        }

        public int[] outputShape(int[] s) { return rank4(s, ((io.backprop4j.nn.AvgPool2d) build(null))::outputShape); }

        public Module build(RandomGenerator rng) {
            return new io.backprop4j.nn.AvgPool2d(kernel, stride, padding, ceilMode, countIncludePad, divisorOverride);
        }

        @Override public boolean equals(Object o) { return o instanceof LayerSpec l && toMap().equals(l.toMap()); }
        @Override public int hashCode() { return toMap().hashCode(); }
    }

    /** {@link io.backprop4j.nn.AdaptiveAvgPool2d}. */
    record AdaptiveAvgPool2d(int[] output) implements LayerSpec {
        public String type() { return "adaptive_avg_pool2d"; }

        public Map<String, Object> fields() { return map("output", output); }

        public int[] outputShape(int[] s) { return rank4(s, ((io.backprop4j.nn.AdaptiveAvgPool2d) build(null))::outputShape); }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.AdaptiveAvgPool2d(output[0], output[1]); }

        @Override public boolean equals(Object o) { return o instanceof LayerSpec l && toMap().equals(l.toMap()); }
        @Override public int hashCode() { return toMap().hashCode(); }
    }

    /** {@link io.backprop4j.nn.BatchNorm1d} over [N, features]. */
    record BatchNorm1d(int features, double eps, double momentum) implements LayerSpec {
        public String type() { return "batch_norm1d"; }

        public Map<String, Object> fields() { return map("features", features, "eps", eps, "momentum", momentum); }

        public int[] outputShape(int[] s) {
            if (s.length != 2) throw new BackpropException("takes [N, features], got " + str(s));
            if (s[1] != features) throw new BackpropException("features " + features + " does not fit its input " + str(s));
            return s.clone();
        }

        public Module build(RandomGenerator rng) {
            return new io.backprop4j.nn.BatchNorm1d(features, eps, momentum, io.backprop4j.tensor.DType.FLOAT32);
        }

        public long tensorElements() { return 4L * features; }
    }

    /** {@link io.backprop4j.nn.BatchNorm2d} over [N, features, H, W]. */
    record BatchNorm2d(int features, double eps, double momentum) implements LayerSpec {
        public String type() { return "batch_norm2d"; }

        public Map<String, Object> fields() { return map("features", features, "eps", eps, "momentum", momentum); }

        public int[] outputShape(int[] s) {
            if (s.length != 4) throw new BackpropException("takes [N, channels, height, width], got " + str(s));
            if (s[1] != features) throw new BackpropException("features " + features + " does not fit its input " + str(s) + " (" + s[1] + " channels)");
            return s.clone();
        }

        public Module build(RandomGenerator rng) {
            return new io.backprop4j.nn.BatchNorm2d(features, eps, momentum, io.backprop4j.tensor.DType.FLOAT32);
        }

        public long tensorElements() { return 4L * features; }
    }

    /** {@link io.backprop4j.nn.Flatten}. */
    record Flatten(int startDim, int endDim) implements LayerSpec {
        public String type() { return "flatten"; }

        public Map<String, Object> fields() { return map("start_dim", startDim, "end_dim", endDim); }

        public int[] outputShape(int[] s) {
            int start = startDim < 0 ? startDim + s.length : startDim;
            if (start == 0) throw new BackpropException("start_dim " + startDim + " would join the batch dim of " + str(s) + " into the features");
            return reshaped(s, new io.backprop4j.nn.Flatten(startDim, endDim)::outputShape);
        }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.Flatten(startDim, endDim); }
    }

    /** {@link io.backprop4j.nn.Unflatten}. */
    record Unflatten(int dim, int[] sizes) implements LayerSpec {
        public String type() { return "unflatten"; }

        public Map<String, Object> fields() { return map("dim", dim, "sizes", sizes); }

        public int[] outputShape(int[] s) {
            if ((dim < 0 ? dim + s.length : dim) == 0) throw new BackpropException("dim " + dim + " is the batch dim of " + str(s));
            return reshaped(s, ((io.backprop4j.nn.Unflatten) build(null))::outputShape);
        }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.Unflatten(dim, sizes); }

        @Override public boolean equals(Object o) { return o instanceof LayerSpec l && toMap().equals(l.toMap()); }
        @Override public int hashCode() { return toMap().hashCode(); }
    }

    /** {@link io.backprop4j.nn.Dropout}. */
    record Dropout(double p) implements LayerSpec {
        public String type() { return "dropout"; }

        public Map<String, Object> fields() { return map("p", p); }

        public int[] outputShape(int[] s) { return s.clone(); }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.Dropout(p, rng); }
    }

    /** {@link io.backprop4j.nn.Dropout2d}. */
    record Dropout2d(double p) implements LayerSpec {
        public String type() { return "dropout2d"; }

        public Map<String, Object> fields() { return map("p", p); }

        public int[] outputShape(int[] s) {
            if (s.length != 4) throw new BackpropException("takes [N, channels, height, width], got " + str(s));
            return s.clone();
        }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.Dropout2d(p, rng); }
    }

    /** {@link io.backprop4j.nn.RandomShift2d}: augmentation in training mode, the identity otherwise. */
    record RandomShift2d(int maxShift, boolean flip, double fill) implements LayerSpec {
        public String type() { return "random_shift2d"; }

        public Map<String, Object> fields() { return map("max_shift", maxShift, "flip", flip, "fill", fill); }

        public int[] outputShape(int[] s) {
            if (s.length != 4) throw new BackpropException("takes [N, channels, height, width], got " + str(s));
            return s.clone();
        }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.RandomShift2d(maxShift, flip, fill, rng); }
    }

    /** An {@link Activation} by its name; {@code alpha} for leaky_relu and elu, else null. */
    record Act(String name, Double alpha) implements LayerSpec {
        public Act {
            Activation.byName(name, alpha);
            if (alpha != null && !name.equals("leaky_relu") && !name.equals("elu")) throw new BackpropException(name + " has no alpha");
            if (alpha == null && name.equals("leaky_relu")) alpha = 0.01;
            if (alpha == null && name.equals("elu")) alpha = 1.0;
        }

        public String type() { return name; }

        public Map<String, Object> fields() { return alpha == null ? Map.of() : map("alpha", alpha); }

        public int[] outputShape(int[] s) { return s.clone(); }

        public Module build(RandomGenerator rng) { return Activation.byName(name, alpha); }
    }

    /** {@link io.backprop4j.nn.Embedding}: int64 tokens [N, T] to [N, T, dim]. */
    record Embedding(int vocabulary, int dim) implements LayerSpec {
        public String type() { return "embedding"; }

        public Map<String, Object> fields() { return map("vocabulary", vocabulary, "dim", dim); }

        public int[] outputShape(int[] s) {
            if (s.length != 2) throw new BackpropException("takes tokens [N, steps], got " + str(s));
            return new int[] {s[0], s[1], dim};
        }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.Embedding(vocabulary, dim, rng); }

        public long tensorElements() { return (long) vocabulary * dim; }
    }

    /** {@link io.backprop4j.nn.PositionalEmbedding}: [N, T, dim] plus a vector per position, T ≤ max_length. */
    record PositionalEmbedding(int maxLength, int dim) implements LayerSpec {
        public String type() { return "positional_embedding"; }

        public Map<String, Object> fields() { return map("max_length", maxLength, "dim", dim); }

        public int[] outputShape(int[] s) {
            sequenceOf(s, dim);
            if (s[1] > maxLength) {
                throw new BackpropException("a sequence of " + s[1] + " positions (input " + str(s) + ") is longer than its table of "
                        + maxLength + " (max_length)");
            }
            return s.clone();
        }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.PositionalEmbedding(maxLength, dim, rng); }

        public long tensorElements() { return (long) maxLength * dim; }
    }

    /** {@link io.backprop4j.nn.LayerNorm} over the last dim, with weight and bias. */
    record LayerNorm(int dim, double eps) implements LayerSpec {
        public String type() { return "layer_norm"; }

        public Map<String, Object> fields() { return map("dim", dim, "eps", eps); }

        public int[] outputShape(int[] s) {
            if (s.length < 2 || s[s.length - 1] != dim) throw new BackpropException("dim " + dim + " does not fit its input " + str(s));
            return s.clone();
        }

        public Module build(RandomGenerator rng) { return new io.backprop4j.nn.LayerNorm(dim, eps, true, io.backprop4j.tensor.DType.FLOAT32); }

        public long tensorElements() { return 2L * dim; }
    }

    /** {@link io.backprop4j.nn.TransformerBlock}: causal, pre-norm; [N, T, dim] to the same. */
    record TransformerBlock(int dim, int heads, int feedForward, double dropout) implements LayerSpec {
        public String type() { return "transformer_block"; }

        public Map<String, Object> fields() { return map("dim", dim, "heads", heads, "feed_forward", feedForward, "dropout", dropout); }

        public int[] outputShape(int[] s) {
            sequenceOf(s, dim);
            if (dim % heads != 0) throw new BackpropException("heads " + heads + " must divide dim " + dim);
            return s.clone();
        }

        public Module build(RandomGenerator rng) {
            return new io.backprop4j.nn.TransformerBlock(dim, heads, feedForward, dropout, io.backprop4j.tensor.DType.FLOAT32, rng);
        }

        public long tensorElements() { return 4L * dim + 4L * dim * dim + 4L * dim + 2L * dim * feedForward + feedForward + dim; }
    }

    /** {@link io.backprop4j.nn.LSTM}, {@link io.backprop4j.nn.GRU} or {@link io.backprop4j.nn.RNN}, batch first, with biases: [N, T, input] to [N, T, hidden]. */
    record Recurrent(String type, int input, int hidden, int layers, double dropout) implements LayerSpec {
        public Recurrent {
            if (!List.of("lstm", "gru", "rnn").contains(type)) throw new BackpropException("unknown recurrent layer '" + type + "'");
        }

        public Map<String, Object> fields() { return map("input", input, "hidden", hidden, "layers", layers, "dropout", dropout); }

        public int[] outputShape(int[] s) {
            sequenceOf(s, input);
            return new int[] {s[0], s[1], hidden};
        }

        public Module build(RandomGenerator rng) {
            var f32 = io.backprop4j.tensor.DType.FLOAT32;
            return switch (type) {
                case "lstm" -> new io.backprop4j.nn.LSTM(input, hidden, layers, true, true, dropout, f32, rng);
                case "gru" -> new io.backprop4j.nn.GRU(input, hidden, layers, true, true, dropout, f32, rng);
                default -> new io.backprop4j.nn.RNN(input, hidden, layers, true, true, dropout, f32, rng);
            };
        }

        public long tensorElements() {
            long g = switch (type) { case "lstm" -> 4; case "gru" -> 3; default -> 1; };
            long total = 0;
            for (int l = 0; l < layers; l++) total += g * hidden * ((l == 0 ? input : hidden) + hidden + 2L);
            return total;
        }
    }

    /** Refuses anything but a sequence [N, T, dim]. */
    private static void sequenceOf(int[] s, int dim) {
        if (s.length != 3) throw new BackpropException("takes a sequence [N, steps, " + dim + "], got " + str(s));
        if (s[2] != dim) throw new BackpropException("dim " + dim + " does not fit its input " + str(s) + " (" + s[2] + " features)");
    }

    // ---------------------------------------------------------------------------------------------- helpers

    /** "[N, 32, 7, 7]": the batch as N. */
    static String str(int[] shape) {
        StringBuilder sb = new StringBuilder("[N");
        for (int i = 1; i < shape.length; i++) sb.append(", ").append(shape[i]);
        return sb.append("]").toString();
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            Object v = kv[i + 1];
            m.put((String) kv[i], v instanceof int[] a ? Arrays.stream(a).boxed().toList() : v);
        }
        return m;
    }

    private static int convSize(int[] s, int axis, int k, int stride, int pad, int dil) {
        long in = s[2 + axis], span = (long) dil * (k - 1) + 1, padded = in + 2L * pad;
        if (span > padded) {
            throw new BackpropException("the kernel spans " + span + (s.length == 4 ? " along " + (axis == 0 ? "the height" : "the width") : "")
                    + ", more than the padded input's " + padded + " (input " + str(s) + ")");
        }
        return (int) ((padded - span) / stride + 1);
    }

    private static int[] rank4(int[] s, java.util.function.Function<int[], int[]> f) {
        if (s.length != 4) throw new BackpropException("takes [N, channels, height, width], got " + str(s));
        return shaped(s, f);
    }

    private static int[] reshaped(int[] s, java.util.function.Function<int[], int[]> f) {
        return shaped(s, f);
    }

    /** The module's own shape rule, its message made one about this layer's input. */
    private static int[] shaped(int[] s, java.util.function.Function<int[], int[]> f) {
        try {
            return f.apply(s);
        } catch (BackpropException e) {
            String m = e.getMessage();
            int colon = m.indexOf(": input ");
            throw new BackpropException(colon >= 0 ? m.substring(colon + 2).replace(io.backprop4j.tensor.Shapes.str(s), str(s)) : m);
        }
    }

    /** Every field of every layer of {@code layers}, as {@link #toMap} gives them. */
    static List<Map<String, Object>> toMaps(List<LayerSpec> layers) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (LayerSpec l : layers) out.add(l.toMap());
        return out;
    }
}
