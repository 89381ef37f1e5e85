package io.backprop4j.train;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.AdaptiveAvgPool2d;
import io.backprop4j.nn.AvgPool2d;
import io.backprop4j.nn.BatchNorm1d;
import io.backprop4j.nn.BatchNorm2d;
import io.backprop4j.nn.Conv1d;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Dropout;
import io.backprop4j.nn.Dropout2d;
import io.backprop4j.nn.ELU;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.RandomShift2d;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Unflatten;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.random.RandomGenerator;

/**
 * A {@link Sequential} network as data: the per-sample input shape and the {@link LayerSpec} of
 * each layer, in order. A model file stores it as JSON ({@link ModelSpec}, version
 * {@value #VERSION}); {@link #read} builds one from parsed JSON or YAML (filling in defaults and
 * the input sizes each layer can take from the one before), {@link #of} from a network built in
 * Java. Building it gives parameters named by position, as {@link Sequential} names them
 * ("2.weight" for the third layer's), so a state dict saved from one build loads into another.
 *
 * <pre>{@code
 * var arch = Architecture.read(new int[] {784}, List.of(
 *         Map.of("type", "unflatten", "sizes", List.of(1, 28, 28)),
 *         Map.of("type", "conv2d", "out_channels", 16, "kernel", 3, "padding", 1), Map.of("type", "relu"),
 *         Map.of("type", "max_pool2d", "kernel", 2), Map.of("type", "flatten"), Map.of("type", "linear", "out", 10)));
 * arch.outputShape();          // [N, 10]
 * Sequential net = arch.build(rng);
 * }</pre>
 *
 * @param inputShape one sample's shape (without the batch dim), e.g. [784]
 * @param layers the layers, in order
 */
public record Architecture(int[] inputShape, List<LayerSpec> layers) {
    /** The version of the layer list's JSON this class writes and reads. */
    public static final int VERSION = 1;
    /** The most numbers one sample may turn into in any layer, and the most weights a network may hold. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    /**
     * A layer that cannot be read or does not fit its input; the message starts with the layer
     * ({@code layers[4] (linear): ...}).
     */
    public static final class LayerException extends BackpropException {
        private final int layer;
        private final String field;

        LayerException(int layer, String type, String field, String message) {
            super("layers[" + layer + "]" + (type == null ? "" : " (" + type + ")") + ": " + message);
            this.layer = layer;
            this.field = field;
        }

        /** The layer's index in the list, from 0. */
        public int layer() { return layer; }

        /** The field at fault, or null for the layer as a whole. */
        public String field() { return field; }
    }

    public Architecture {
        if (inputShape == null || inputShape.length == 0) throw new BackpropException("architecture: no input shape");
        for (int s : inputShape) if (s < 1) throw new BackpropException("architecture: input shape " + Arrays.toString(inputShape) + " has a size < 1");
        inputShape = inputShape.clone();
        layers = List.copyOf(layers);
        if (layers.isEmpty()) throw new BackpropException("architecture: no layers");
        shapes(inputShape, layers);
        long total = 0;
        for (LayerSpec l : layers) total += l.tensorElements();
        if (total > MAX_ELEMENTS) throw new BackpropException("architecture: " + total + " weights, more than 2^31");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Architecture a && Arrays.equals(inputShape, a.inputShape) && toMaps().equals(a.toMaps());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(inputShape) * 31 + toMaps().hashCode();
    }

    @Override
    public String toString() {
        return "Architecture(" + describe() + ")";
    }

    /** The shape after each layer, batch first ([N, ...] with N = 1); checks that each layer fits its input. */
    private static List<int[]> shapes(int[] inputShape, List<LayerSpec> layers) {
        List<int[]> out = new ArrayList<>();
        int[] s = withBatch(inputShape);
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec l = layers.get(i);
            try {
                s = l.outputShape(s);
            } catch (LayerException e) {
                throw e;
            } catch (BackpropException e) {
                throw new LayerException(i, l.type(), null, e.getMessage());
            }
            long n = 1;
            for (int d : s) n *= d;
            if (n > MAX_ELEMENTS || n < 1) {
                throw new LayerException(i, l.type(), null, "its output " + LayerSpec.str(s) + " holds " + n + " numbers per sample");
            }
            out.add(s);
        }
        return out;
    }

    private static int[] withBatch(int[] shape) {
        int[] s = new int[shape.length + 1];
        s[0] = 1;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    /** One sample's shape (a copy). */
    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    /** The output shape, batch first: [N, 10] for a classifier of 10 classes. */
    public int[] outputShape() {
        List<int[]> s = shapes(inputShape, layers);
        return s.get(s.size() - 1);
    }

    /** Whether the network reads tokens: its first layer is an {@code embedding} (the input int64 [N, T]). */
    public boolean isSequenceModel() {
        return layers.getFirst() instanceof LayerSpec.Embedding;
    }

    /** The number of input features of one sample (the product of the input shape). */
    public int inputFeatures() {
        long n = 1;
        for (int s : inputShape) n *= s;
        return (int) n;
    }

    /** Parameters and buffer elements in all, from the layer specs (nothing is built). */
    public long tensorElements() {
        long total = 0;
        for (LayerSpec l : layers) total += l.tensorElements();
        return total;
    }

    /**
     * Builds the network. The weights are drawn from {@code rng} layer by layer (the layers' own
     * default initialisation), and the layers that draw during training (dropout, augmentation)
     * keep {@code rng} for that: give an {@link EpochRandom} for resumable training.
     */
    public Sequential build(RandomGenerator rng) {
        Sequential net = new Sequential();
        for (LayerSpec l : layers) net.add(l.build(rng));
        return net;
    }

    /** The layers as JSON-ready maps: every field written out. */
    public List<Map<String, Object>> toMaps() {
        return LayerSpec.toMaps(layers);
    }

    /** "[784] unflatten [1, 28, 28], conv2d 1-16 3x3 pad 1, relu, max_pool2d 2, flatten, linear 1568-10". */
    public String describe() {
        StringJoiner j = new StringJoiner(", ", Arrays.toString(inputShape) + " ", "");
        for (LayerSpec l : layers) j.add(brief(l));
        return j.toString();
    }

    private static String brief(LayerSpec l) {
        return switch (l) {
            case LayerSpec.Linear x -> "linear " + x.in() + "-" + x.out();
            case LayerSpec.Conv2d c -> "conv2d " + c.inChannels() + "-" + c.outChannels() + " " + c.kernel()[0] + "x" + c.kernel()[1]
                    + (c.stride()[0] == 1 && c.stride()[1] == 1 ? "" : " stride " + pair(c.stride()))
                    + (c.padding()[0] == 0 && c.padding()[1] == 0 ? "" : " pad " + pair(c.padding()));
            case LayerSpec.Conv1d c -> "conv1d " + c.inChannels() + "-" + c.outChannels() + " " + c.kernel()
                    + (c.stride() == 1 ? "" : " stride " + c.stride()) + (c.padding() == 0 ? "" : " pad " + c.padding());
            case LayerSpec.MaxPool2d p -> "max_pool2d " + pair(p.kernel());
            case LayerSpec.AvgPool2d p -> "avg_pool2d " + pair(p.kernel());
            case LayerSpec.AdaptiveAvgPool2d p -> "adaptive_avg_pool2d " + pair(p.output());
            case LayerSpec.Unflatten u -> "unflatten " + Arrays.toString(u.sizes());
            case LayerSpec.Dropout d -> "dropout " + d.p();
            case LayerSpec.Dropout2d d -> "dropout2d " + d.p();
            case LayerSpec.RandomShift2d r -> "random_shift2d " + r.maxShift() + (r.flip() ? " flip" : "");
            case LayerSpec.Embedding e -> "embedding " + e.vocabulary() + "-" + e.dim();
            case LayerSpec.PositionalEmbedding p -> "positional_embedding " + p.maxLength();
            case LayerSpec.TransformerBlock t -> "transformer_block " + t.dim() + " heads " + t.heads();
            case LayerSpec.Recurrent r -> r.type() + " " + r.input() + "-" + r.hidden() + (r.layers() > 1 ? " x" + r.layers() : "");
            default -> l.type();
        };
    }

    private static String pair(int[] v) {
        return v[0] == v[1] ? Integer.toString(v[0]) : v[0] + "x" + v[1];
    }

    // ---------------------------------------------------------------------------------------------- from a network

    /**
     * The architecture of a network built in Java: a {@link Sequential} of the layers
     * {@link LayerSpec} lists.
     *
     * @throws BackpropException naming the first layer that cannot be stored, or one that does not fit its input
     */
    public static Architecture of(Sequential model, int... inputShape) {
        List<LayerSpec> out = new ArrayList<>();
        List<Module> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) out.add(spec(i, layers.get(i)));
        return new Architecture(inputShape, out);
    }

    private static LayerSpec spec(int i, Module m) {
        return switch (m) {
            case Linear l -> new LayerSpec.Linear(l.inFeatures(), l.outFeatures(), l.bias() != null);
            case Conv2d c -> new LayerSpec.Conv2d(c.inChannels(), c.outChannels(), c.kernelSize(), c.stride(), c.padding(), c.dilation(),
                    c.groups(), c.bias() != null);
            case Conv1d c -> new LayerSpec.Conv1d(c.inChannels(), c.outChannels(), c.kernelSize(), c.stride(), c.padding(), c.dilation(),
                    c.groups(), c.bias() != null);
            case MaxPool2d p -> new LayerSpec.MaxPool2d(p.kernelSize(), p.stride(), p.padding(), p.dilation(), p.ceilMode());
            case AvgPool2d p -> new LayerSpec.AvgPool2d(p.kernelSize(), p.stride(), p.padding(), p.ceilMode(), p.countIncludePad(),
                    p.divisorOverride());
            case AdaptiveAvgPool2d p -> new LayerSpec.AdaptiveAvgPool2d(p.outputSize());
            case BatchNorm1d b -> new LayerSpec.BatchNorm1d(b.features(), b.eps(), b.momentum());
            case BatchNorm2d b -> new LayerSpec.BatchNorm2d(b.features(), b.eps(), b.momentum());
            case Flatten f -> new LayerSpec.Flatten(f.startDim(), f.endDim());
            case Unflatten u -> new LayerSpec.Unflatten(u.dim(), u.sizes());
            case Dropout d -> new LayerSpec.Dropout(d.p());
            case Dropout2d d -> new LayerSpec.Dropout2d(d.p());
            case RandomShift2d r -> new LayerSpec.RandomShift2d(r.maxShift(), r.flip(), r.fill());
            case io.backprop4j.nn.Embedding e -> new LayerSpec.Embedding(e.vocabulary(), e.dim());
            case io.backprop4j.nn.PositionalEmbedding p -> new LayerSpec.PositionalEmbedding(p.maxLength(), p.dim());
            case io.backprop4j.nn.LayerNorm n when n.weight() != null -> new LayerSpec.LayerNorm(n.dim(), n.eps());
            case io.backprop4j.nn.TransformerBlock t -> new LayerSpec.TransformerBlock(t.dim(), t.attention().heads(), t.feedForward(), t.dropout());
            case io.backprop4j.nn.RecurrentLayer r when r.batchFirst() && r.hasBias() -> new LayerSpec.Recurrent(
                    r.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT), r.inputSize(), r.hiddenSize(), r.numLayers(), r.dropout());
            case LeakyReLU a -> new LayerSpec.Act("leaky_relu", a.alpha());
            case ELU a -> new LayerSpec.Act("elu", a.alpha());
            case Activation a -> new LayerSpec.Act(a.specName(), null);
            default -> throw new BackpropException("architecture: layer " + i + " (" + m + ") cannot be stored; a model file holds "
                    + String.join(", ", LayerSpec.TYPES));
        };
    }

    // ---------------------------------------------------------------------------------------------- from JSON or YAML

    /**
     * Reads a list of layers, each a map with "type" and its fields (numbers as Long or Double,
     * pairs as a number or a list of two, as {@link io.backprop4j.internal.Json} and the CLI's YAML
     * reader give them). Fields left out take the constructors' defaults; in, in_channels and
     * features are taken from the input when left out.
     *
     * @throws LayerException naming the layer, and both shapes when a layer does not fit its input
     */
    public static Architecture read(int[] inputShape, List<?> layers) {
        if (layers == null || layers.isEmpty()) throw new BackpropException("architecture: no layers");
        List<LayerSpec> out = new ArrayList<>();
        int[] s = withBatch(inputShape);
        for (int i = 0; i < layers.size(); i++) {
            if (!(layers.get(i) instanceof Map<?, ?> m)) throw new LayerException(i, null, null, "is not a mapping of type and fields");
            LayerSpec l = new Fields(i, m).layer(s);
            try {
                s = l.outputShape(s);
            } catch (LayerException e) {
                throw e;
            } catch (BackpropException e) {
                // Both shapes: what this layer takes is in the message, where its input came from is the layer before.
                throw new LayerException(i, l.type(), null, e.getMessage() + (i == 0 ? ", the network's input"
                        : ", the output of layers[" + (i - 1) + "] (" + out.get(i - 1).type() + ")"));
            }
            long n = 1;
            for (int d : s) n *= d;
            if (n > MAX_ELEMENTS) throw new LayerException(i, l.type(), null, "its output " + LayerSpec.str(s) + " holds " + n + " numbers per sample");
            out.add(l);
        }
        return new Architecture(inputShape, out);
    }

    /** Each type's fields, as {@link LayerSpec#fields()} lists them. */
    private static final Map<String, List<String>> FIELDS = Map.ofEntries(
            Map.entry("linear", List.of("in", "out", "bias")),
            Map.entry("conv2d", List.of("in_channels", "out_channels", "kernel", "stride", "padding", "dilation", "groups", "bias")),
            Map.entry("conv1d", List.of("in_channels", "out_channels", "kernel", "stride", "padding", "dilation", "groups", "bias")),
            Map.entry("max_pool2d", List.of("kernel", "stride", "padding", "dilation", "ceil_mode")),
            Map.entry("avg_pool2d", List.of("kernel", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override")),
            Map.entry("adaptive_avg_pool2d", List.of("output")),
            Map.entry("batch_norm1d", List.of("features", "eps", "momentum")),
            Map.entry("batch_norm2d", List.of("features", "eps", "momentum")),
            Map.entry("flatten", List.of("start_dim", "end_dim")),
            Map.entry("unflatten", List.of("dim", "sizes")),
            Map.entry("dropout", List.of("p")),
            Map.entry("dropout2d", List.of("p")),
            Map.entry("random_shift2d", List.of("max_shift", "flip", "fill")),
            Map.entry("embedding", List.of("vocabulary", "dim")),
            Map.entry("positional_embedding", List.of("max_length", "dim")),
            Map.entry("layer_norm", List.of("dim", "eps")),
            Map.entry("transformer_block", List.of("dim", "heads", "feed_forward", "dropout")),
            Map.entry("lstm", List.of("input", "hidden", "layers", "dropout")),
            Map.entry("gru", List.of("input", "hidden", "layers", "dropout")),
            Map.entry("rnn", List.of("input", "hidden", "layers", "dropout")),
            Map.entry("leaky_relu", List.of("alpha")),
            Map.entry("elu", List.of("alpha")));

    /** One layer's map, read field by field; each field read is crossed off, and what is left is refused. */
    private static final class Fields {
        private final int index;
        private final Map<String, Object> m = new LinkedHashMap<>();
        private String type;

        Fields(int index, Map<?, ?> map) {
            this.index = index;
            map.forEach((k, v) -> m.put(String.valueOf(k), v));
        }

        private int[] input;

        LayerSpec layer(int[] in) {
            input = in;
            if (!(m.remove("type") instanceof String t)) {
                throw new LayerException(index, null, "type", "has no type; expected one of " + String.join(", ", LayerSpec.TYPES));
            }
            type = t;
            if (!LayerSpec.TYPES.contains(t)) {
                throw new LayerException(index, null, "type", "unknown type '" + t + "'; expected one of " + String.join(", ", LayerSpec.TYPES));
            }
            List<String> known = FIELDS.getOrDefault(t, List.of());
            for (String key : m.keySet()) {
                if (!known.contains(key)) {
                    throw new LayerException(index, type, key, "unknown field '" + key + "'; " + t + " has "
                            + (known.isEmpty() ? "no fields" : String.join(", ", known)));
                }
            }
            LayerSpec l = switch (t) {
                case "linear" -> new LayerSpec.Linear(size("in", in.length == 2 || in.length == 3 ? in[in.length - 1] : -1), size("out", -1),
                        bool("bias", true));
                case "embedding" -> new LayerSpec.Embedding(size("vocabulary", -1), size("dim", -1));
                case "positional_embedding" -> new LayerSpec.PositionalEmbedding(size("max_length", in.length == 3 ? in[1] : -1),
                        size("dim", in.length == 3 ? in[2] : -1));
                case "layer_norm" -> new LayerSpec.LayerNorm(size("dim", in.length >= 2 ? in[in.length - 1] : -1), positive("eps", 1e-5));
                case "transformer_block" -> {
                    int d = size("dim", in.length == 3 ? in[2] : -1);
                    yield new LayerSpec.TransformerBlock(d, size("heads", -1), size("feed_forward", 4 * d), probability("dropout", 0));
                }
                case "lstm", "gru", "rnn" -> new LayerSpec.Recurrent(t, size("input", in.length == 3 ? in[2] : -1), size("hidden", -1),
                        size("layers", 1), probability("dropout", 0));
                case "conv2d" -> {
                    int inCh = size("in_channels", in.length == 4 ? in[1] : -1), outCh = size("out_channels", -1);
                    int[] k = pair("kernel", null, 1);
                    yield new LayerSpec.Conv2d(inCh, outCh, k, pair("stride", new int[] {1, 1}, 1), pair("padding", new int[] {0, 0}, 0),
                            pair("dilation", new int[] {1, 1}, 1), groups(inCh, outCh), bool("bias", true));
                }
                case "conv1d" -> {
                    int inCh = size("in_channels", in.length == 3 ? in[1] : -1), outCh = size("out_channels", -1);
                    yield new LayerSpec.Conv1d(inCh, outCh, size("kernel", -1), size("stride", 1), count("padding", 0), size("dilation", 1),
                            groups(inCh, outCh), bool("bias", true));
                }
                case "max_pool2d" -> {
                    int[] k = pair("kernel", null, 1);
                    int[] p = pair("padding", new int[] {0, 0}, 0);
                    halfKernel(k, p);
                    yield new LayerSpec.MaxPool2d(k, pair("stride", k, 1), p, pair("dilation", new int[] {1, 1}, 1), bool("ceil_mode", false));
                }
                case "avg_pool2d" -> {
                    int[] k = pair("kernel", null, 1);
                    int[] p = pair("padding", new int[] {0, 0}, 0);
                    halfKernel(k, p);
                    yield new LayerSpec.AvgPool2d(k, pair("stride", k, 1), p, bool("ceil_mode", false), bool("count_include_pad", true),
                            count("divisor_override", 0));
                }
                case "adaptive_avg_pool2d" -> new LayerSpec.AdaptiveAvgPool2d(pair("output", null, 1));
                case "batch_norm1d" -> new LayerSpec.BatchNorm1d(size("features", in.length == 2 ? in[1] : -1), positive("eps", 1e-5),
                        fraction("momentum", 0.1));
                case "batch_norm2d" -> new LayerSpec.BatchNorm2d(size("features", in.length == 4 ? in[1] : -1), positive("eps", 1e-5),
                        fraction("momentum", 0.1));
                case "flatten" -> new LayerSpec.Flatten(integer("start_dim", 1), integer("end_dim", -1));
                case "unflatten" -> new LayerSpec.Unflatten(integer("dim", 1), sizes("sizes"));
                case "dropout" -> new LayerSpec.Dropout(probability("p"));
                case "dropout2d" -> new LayerSpec.Dropout2d(probability("p"));
                case "random_shift2d" -> new LayerSpec.RandomShift2d(count("max_shift", -1), bool("flip", false), number("fill", 0.0));
                case "leaky_relu" -> new LayerSpec.Act(t, number("alpha", 0.01));
                case "elu" -> new LayerSpec.Act(t, number("alpha", 1.0));
                default -> new LayerSpec.Act(t, null);
            };
            if (!m.isEmpty()) {
                String key = m.keySet().iterator().next();
                throw new LayerException(index, type, key, "unknown field '" + key + "'; " + t + " has "
                        + (l.fields().isEmpty() ? "no fields" : String.join(", ", l.fields().keySet())));
            }
            return l;
        }

        private LayerException error(String field, String message) {
            return new LayerException(index, type, field, field + " " + message);
        }

        private Object take(String key) {
            return m.remove(key);
        }

        /** A size >= 1; {@code inferred} when left out (-1: required). */
        private int size(String key, int inferred) {
            Object v = take(key);
            if (v == null) {
                if (inferred >= 1) return inferred;
                throw error(key, !key.startsWith("in") && !key.equals("features")
                        ? "is missing" : "is missing and cannot be taken from its input " + LayerSpec.str(input)
                        + (type.endsWith("2d") ? " (" + type + " takes [N, channels, height, width])" : type.equals("conv1d")
                        ? " (conv1d takes [N, channels, length])" : " (" + type + " takes [N, features])"));
            }
            long n = whole(key, v);
            if (n < 1) throw error(key, "must be at least 1, got " + n);
            return (int) n;
        }

        /** A whole number >= 0; the default when left out (-1: required). */
        private int count(String key, int dflt) {
            Object v = take(key);
            if (v == null) {
                if (dflt >= 0) return dflt;
                throw error(key, "is missing");
            }
            long n = whole(key, v);
            if (n < 0) throw error(key, "must be at least 0, got " + n);
            return (int) n;
        }

        private int integer(String key, int dflt) {
            Object v = take(key);
            return v == null ? dflt : (int) whole(key, v);
        }

        private long whole(String key, Object v) {
            // Long as the JSON and YAML readers give it; Integer, Short, Byte as Java code (and toMaps) do.
            Long n = switch (v) {
                case Long l -> l;
                case Integer i -> (long) i;
                case Short sh -> (long) sh;
                case Byte b -> (long) b;
                case null, default -> null;
            };
            if (n == null || n > Integer.MAX_VALUE || n < -Integer.MAX_VALUE) {
                throw error(key, "must be a whole number, got " + show(v));
            }
            return n;
        }

        private int groups(int in, int out) {
            int g = size("groups", 1);
            if (in % g != 0 || out % g != 0) throw error("groups", g + " must divide in_channels " + in + " and out_channels " + out);
            return g;
        }

        /** One number for both axes or a list of two; {@code dflt} when left out (null: required). */
        private int[] pair(String key, int[] dflt, int min) {
            Object v = take(key);
            if (v == null) {
                if (dflt != null) return dflt.clone();
                throw error(key, "is missing");
            }
            int[] p;
            if (v instanceof List<?> list) {
                if (list.size() != 2) throw error(key, "must be one number or [height, width], got a list of " + list.size());
                p = new int[] {(int) whole(key, list.get(0)), (int) whole(key, list.get(1))};
            } else {
                int n = (int) whole(key, v);
                p = new int[] {n, n};
            }
            if (p[0] < min || p[1] < min) throw error(key, "must be at least " + min + ", got " + show(v));
            return p;
        }

        private void halfKernel(int[] k, int[] p) {
            if (p[0] > k[0] / 2 || p[1] > k[1] / 2) throw error("padding", "must be at most half the kernel " + Architecture.pair(k) + ", got " + Architecture.pair(p));
        }

        private int[] sizes(String key) {
            Object v = take(key);
            if (!(v instanceof List<?> list) || list.isEmpty()) throw error(key, v == null ? "is missing" : "must be a list of sizes, got " + show(v));
            int[] out = new int[list.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = (int) whole(key, list.get(i));
                if (out[i] < 1) throw error(key, "must hold sizes >= 1, got " + show(v));
            }
            return out;
        }

        private boolean bool(String key, boolean dflt) {
            Object v = take(key);
            if (v == null) return dflt;
            if (!(v instanceof Boolean b)) throw error(key, "must be true or false, got " + show(v));
            return b;
        }

        private double number(String key, double dflt) {
            Object v = take(key);
            if (v == null) return dflt;
            if (!(v instanceof Number n) || !Double.isFinite(n.doubleValue())) throw error(key, "must be a finite number, got " + show(v));
            return n.doubleValue();
        }

        private double positive(String key, double dflt) {
            double x = number(key, dflt);
            if (!(x > 0)) throw error(key, "must be > 0, got " + x);
            return x;
        }

        private double fraction(String key, double dflt) {
            double x = number(key, dflt);
            if (!(x >= 0 && x <= 1)) throw error(key, "must be in [0, 1], got " + x);
            return x;
        }

        private double probability(String key) {
            if (!m.containsKey(key)) throw error(key, "is missing");
            return probability(key, 0);
        }

        private double probability(String key, double dflt) {
            double x = number(key, dflt);
            if (!(x >= 0 && x < 1)) throw error(key, "must be in [0, 1), got " + x);
            return x;
        }

        private static String show(Object v) {
            String s = v instanceof String str ? "'" + str + "'" : String.valueOf(v);
            return s.length() > 40 ? s.substring(0, 37) + "..." : s;
        }
    }
}
