package io.backprop4j.onnx;

import io.backprop4j.FormatException;
import io.backprop4j.nn.AdaptiveAvgPool2d;
import io.backprop4j.nn.AvgPool2d;
import io.backprop4j.nn.BatchNorm1d;
import io.backprop4j.nn.BatchNorm2d;
import io.backprop4j.nn.Conv1d;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.Dropout;
import io.backprop4j.nn.ELU;
import io.backprop4j.nn.Flatten;
import io.backprop4j.nn.GELU;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.LogSoftmax;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Sigmoid;
import io.backprop4j.nn.Softmax;
import io.backprop4j.nn.Softplus;
import io.backprop4j.nn.Tanh;
import io.backprop4j.onnx.OnnxFile.Attr;
import io.backprop4j.onnx.OnnxFile.Graph;
import io.backprop4j.onnx.OnnxFile.Node;
import io.backprop4j.onnx.OnnxFile.TensorData;
import io.backprop4j.onnx.OnnxFile.ValueInfo;
import static io.backprop4j.onnx.OnnxFile.esc;
import static io.backprop4j.onnx.OnnxFile.q;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * An ONNX graph as a Sequential: the graph must be a chain from its one input to its one output
 * (each node takes the value before it and constants), with two branches allowed: the GELU
 * pattern {@code x · ½ (1 + erf(x / √2))}, and a Reshape whose shape is computed from the
 * input's own ({@code x.view(x.size(0), -1)}).
 */
final class Importer {
    static final int MIN_OPSET = 13, MAX_OPSET = 21;
    static final String OPERATORS = "Gemm, MatMul, Add, Sub, Mul, Div, Relu, LeakyRelu, Sigmoid, Tanh, Elu, Softplus, Softmax, "
            + "LogSoftmax, Gelu (and its Erf pattern), BatchNormalization, Dropout, Identity, Conv, MaxPool, AveragePool, "
            + "GlobalAveragePool, Flatten, Reshape (of a constant shape, or one computed from the input's by Shape, Gather, Slice, "
            + "Unsqueeze, Squeeze and Concat), Constant";

    private final String source;
    private final RandomGenerator rng;
    private final Map<String, TensorData> constants = new HashMap<>();
    private final Map<String, List<Node>> consumers = new HashMap<>();
    private final Set<Node> used = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    private final List<Module> layers = new ArrayList<>();
    private DType dtype;
    private int rank;   // of the current value; -1 when not known
    /** The Linear just made from a MatMul, which an Add right after it may give a bias. */
    private Linear biasless;
    /** The zero padding of a Pad just read (per spatial axis), which the Conv or AveragePool after it takes on. */
    private int[] pendingPad;
    private Node padNode;

    private Importer(String source, RandomGenerator rng) {
        this.source = source;
        this.rng = rng;
    }

    static Sequential build(OnnxFile.Model model, String source, RandomGenerator rng) {
        return new Importer(source, rng).run(model);
    }

    private FormatException fail(String where, String message) {
        return new FormatException(source, where, message);
    }

    private FormatException fail(Node n, String message) {
        return fail(n.describe(), message);
    }

    private Sequential run(OnnxFile.Model model) {
        Long opset = model.opsets().getOrDefault("", model.opsets().get("ai.onnx"));
        if (opset == null) throw fail((String) null, "imports no version of the standard ONNX operator set");
        if (opset < MIN_OPSET || opset > MAX_OPSET) {
            throw fail((String) null, "opset " + opset + " is not supported (backprop4j reads opsets " + MIN_OPSET + " to " + MAX_OPSET + ")");
        }
        Graph g = model.graph();
        constants.putAll(g.initializers());
        for (Node n : g.nodes()) {
            if (n.opType().equals("Constant") && n.domain().isEmpty()) constant(n);
        }
        List<ValueInfo> inputs = g.inputs().stream().filter(v -> !constants.containsKey(v.name())).toList();
        if (inputs.size() != 1) {
            throw fail("graph", "has " + inputs.size() + " inputs besides its weights (" + String.join(", ",
                    inputs.stream().map(v -> q(v.name())).toList()) + "); a Sequential takes one");
        }
        if (g.outputs().size() != 1) throw fail("graph", "has " + g.outputs().size() + " outputs; a Sequential gives one");
        ValueInfo input = inputs.get(0);
        dtype = switch (input.elemType()) {
            case OnnxFile.FLOAT -> DType.FLOAT32;
            case OnnxFile.DOUBLE -> DType.FLOAT64;
            default -> throw fail("input " + q(input.name()), "has element type " + OnnxFile.typeName(input.elemType())
                    + "; backprop4j reads models of FLOAT or DOUBLE input");
        };
        rank = input.dims() == null ? -1 : input.dims().size();
        // Each value is written once (ONNX graphs are in single-assignment form): so the walk below ends.
        Set<String> written = new java.util.HashSet<>(constants.keySet());
        written.add(input.name());
        for (Node n : g.nodes()) {
            if (used.contains(n)) continue;
            for (String out : n.outputs()) {
                if (!out.isEmpty() && !written.add(out)) throw fail(n, "writes " + q(out) + ", which is already a graph input, a constant or another node's output");
            }
        }
        for (Node n : g.nodes()) {
            if (used.contains(n)) continue;
            for (String in : n.inputs()) {
                if (!in.isEmpty() && !constants.containsKey(in)) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
        }

        String current = input.name(), output = g.outputs().get(0).name();
        while (!current.equals(output)) {
            List<Node> next = consumers.getOrDefault(current, List.of());
            if (next.isEmpty()) {
                throw fail("value " + q(current), "nothing uses it, and the graph's output " + q(output) + " is not reached");
            }
            for (Node n : next) if (used.contains(n)) throw fail(n, "is reached twice: the graph has a cycle");
            if (next.size() == 1) {
                current = node(next.get(0), current);
            } else {
                String after = gelu(current, next);
                if (after == null) after = computedReshape(current, next, g.nodes());
                if (after == null) {
                    throw fail("value " + q(current), "feeds " + next.size() + " nodes (" + String.join(", ",
                            next.stream().map(Node::describe).toList()) + "): the graph branches, and a Sequential is a chain of layers");
                }
                current = after;
            }
        }
        if (pendingPad != null) throw fail(padNode, "pads the output; backprop4j pads only inside a Conv or an AveragePool");
        for (Node n : g.nodes()) {
            if (!used.contains(n)) throw fail(n, "is not on the path from the input to the output");
        }
        return new Sequential(layers.toArray(Module[]::new));
    }

    /** A Constant node's value, as a constant. */
    private void constant(Node n) {
        used.add(n);
        if (n.outputs().size() != 1) throw fail(n, "has " + n.outputs().size() + " outputs");
        if (n.attrs().size() != 1) throw fail(n, "needs exactly one value attribute");
        Attr a = n.attrs().values().iterator().next();
        String out = n.outputs().get(0);
        TensorData t = switch (a.name()) {
            case "value" -> {
                if (a.t() == null) throw fail(n, "attribute value holds no tensor");
                yield a.t();
            }
            case "value_float" -> new TensorData(out, OnnxFile.FLOAT, new long[0], new double[] {a.f()});
            case "value_floats" -> new TensorData(out, OnnxFile.FLOAT, new long[] {a.floats().length}, toDoubles(a.floats()));
            case "value_int" -> new TensorData(out, OnnxFile.INT64, new long[0], new double[] {a.i()});
            case "value_ints" -> new TensorData(out, OnnxFile.INT64, new long[] {a.ints().length},
                    Arrays.stream(a.ints()).asDoubleStream().toArray());
            default -> throw fail(n, "attribute " + esc(a.name()) + " is not supported");
        };
        constants.put(out, t);
    }

    private static double[] toDoubles(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    /** Converts one node that takes {@code x}; returns the value it writes. */
    private String node(Node n, String x) {
        if (!n.domain().isEmpty() && !n.domain().equals("ai.onnx")) {
            throw fail(n, "operator " + esc(n.domain() + "." + n.opType()) + " is not supported (backprop4j reads the standard " + OPERATORS + ")");
        }
        used.add(n);
        Linear pending = biasless;
        biasless = null;
        String op = n.opType();
        int[] pad = pendingPad;
        pendingPad = null;
        if (pad != null && !op.equals("Conv") && !op.equals("AveragePool")) {
            throw fail(padNode, "pads with zeros before " + n.describe() + ": backprop4j pads only inside a Conv or an AveragePool");
        }
        switch (op) {
            case "Gemm" -> gemm(n, x);
            case "MatMul" -> matMul(n, x);
            case "Add", "Sub", "Mul", "Div" -> elementwise(n, x, pending);
            case "Relu" -> unary(n, x, new ReLU());
            case "LeakyRelu" -> unary(n, x, new LeakyReLU(floatAttr(n, "alpha", 0.01f)));
            case "Sigmoid" -> unary(n, x, new Sigmoid());
            case "Tanh" -> unary(n, x, new Tanh());
            case "Elu" -> unary(n, x, new ELU(floatAttr(n, "alpha", 1f)));
            case "Softplus" -> unary(n, x, new Softplus());
            case "Softmax", "LogSoftmax" -> {
                long axis = intAttr(n, "axis", -1);
                if (!(axis == -1 || rank >= 0 && axis == rank - 1)) {
                    throw fail(n, "axis " + axis + " of a rank-" + rank + " value: backprop4j's " + op + " works along the last axis");
                }
                unary(n, x, op.equals("Softmax") ? new Softmax() : new LogSoftmax());
            }
            case "Gelu" -> {
                String approximate = stringAttr(n, "approximate", "none");
                if (!approximate.equals("none")) throw fail(n, "approximate=" + q(approximate) + ": backprop4j's GELU is the exact (erf) form");
                unary(n, x, new GELU());
            }
            case "Identity" -> inputs(n, x, 1, 1);
            case "Dropout" -> {
                inputs(n, x, 1, 3);
                double ratio = n.inputs().size() > 1 && !n.inputs().get(1).isEmpty() ? scalar(n, n.inputs().get(1)) : 0.5;
                if (!(ratio >= 0 && ratio < 1)) throw fail(n, "ratio " + ratio + " is outside [0, 1)");
                if (ratio > 0) layers.add(new Dropout(ratio, rng));
            }
            case "BatchNormalization" -> batchNorm(n, x);
            case "Conv" -> conv(n, x, pad);
            case "MaxPool", "AveragePool" -> pool(n, x, pad);
            case "Pad" -> pad(n, x);
            case "GlobalAveragePool" -> {
                if (rank != 4) throw fail(n, "on a rank-" + rank + " value: backprop4j pools images [N, C, H, W]");
                unary(n, x, new AdaptiveAvgPool2d(1));
            }
            case "Flatten" -> flatten(n, x);
            case "Reshape" -> reshape(n, x);
            default -> throw fail(n, "operator " + esc(op) + " is not supported (backprop4j reads " + OPERATORS + ")");
        }
        return output(n);
    }

    /** The node's first output; any others (a Dropout's mask, a MaxPool's indices) must be unused. */
    private String output(Node n) {
        if (n.outputs().isEmpty() || n.outputs().get(0).isEmpty()) throw fail(n, "has no output");
        for (int i = 1; i < n.outputs().size(); i++) {
            String extra = n.outputs().get(i);
            if (!extra.isEmpty() && consumers.containsKey(extra)) throw fail(n, "output " + i + " (" + q(extra) + ") is used; backprop4j gives only the first");
        }
        return n.outputs().get(0);
    }

    /** Checks that {@code x} is the node's first input and the others (from..to in count) are constants. */
    private void inputs(Node n, String x, int min, int max) {
        List<String> in = n.inputs();
        if (in.size() < min || in.size() > max) throw fail(n, "has " + in.size() + " inputs, expected " + (min == max ? min : min + " to " + max));
        if (!in.get(0).equals(x)) throw fail(n, "input 0 is " + q(in.get(0)) + ", expected the value before it, " + q(x));
        for (int i = 1; i < in.size(); i++) {
            if (!in.get(i).isEmpty() && !constants.containsKey(in.get(i))) {
                throw fail(n, "input " + i + " (" + q(in.get(i)) + ") is computed, not a constant: the graph branches, and a Sequential is a chain");
            }
        }
    }

    private void unary(Node n, String x, Module m) {
        inputs(n, x, 1, 1);
        layers.add(m);
    }

    /** Input {@code i}, a constant; weights ("weight") must not be empty. */
    private TensorData constantInput(Node n, int i, String what) {
        if (n.inputs().size() <= i || n.inputs().get(i).isEmpty()) throw fail(n, "has no " + what + " (input " + i + ")");
        TensorData t = constants.get(n.inputs().get(i));
        if (what.equals("weight") && t.values().length == 0) {
            throw fail(n, "weight " + q(t.name()) + " of shape " + Arrays.toString(t.dims()) + " is empty");
        }
        return t;
    }

    private Tensor tensor(TensorData t) {
        Tensor d = Tensor.of(t.values().clone(), t.shape());
        return dtype == DType.FLOAT64 ? d : d.to(dtype);
    }

    private double scalar(Node n, String name) {
        TensorData t = constants.get(name);
        if (t.values().length != 1) throw fail(n, q(name) + " has " + t.values().length + " values, expected one");
        return t.values()[0];
    }

    private void gemm(Node n, String x) {
        inputs(n, x, 2, 3);
        if (intAttr(n, "transA", 0) != 0) throw fail(n, "transA=1: the input would be transposed, which a Linear layer does not do");
        if (rank != 2 && rank != -1) throw fail(n, "on a rank-" + rank + " value: Gemm multiplies matrices");
        TensorData b = constantInput(n, 1, "weight");
        if (b.dims().length != 2) throw fail(n, "weight " + q(b.name()) + " has shape " + Arrays.toString(b.dims()) + ", expected a matrix");
        double alpha = floatAttr(n, "alpha", 1f), beta = floatAttr(n, "beta", 1f);
        Tensor w = tensor(b);
        if (intAttr(n, "transB", 0) != 0) w = w.t().contiguous();   // PyTorch's nn.Linear: [out, in]
        if (alpha != 1) w = w.mul(alpha);
        int out = w.size(1);
        Tensor bias = null;
        if (n.inputs().size() == 3 && !n.inputs().get(2).isEmpty()) bias = biasOf(n, constants.get(n.inputs().get(2)), out).mul(beta);
        layers.add(new Linear(w, bias));
        rank = 2;
    }

    /** A bias of {@code out} values from a constant of shape [out], [1, out], [1] or []. */
    private Tensor biasOf(Node n, TensorData c, int out) {
        long[] d = c.dims();
        boolean fits = d.length == 0 || d.length == 1 && (d[0] == out || d[0] == 1) || d.length == 2 && d[0] == 1 && (d[1] == out || d[1] == 1);
        if (!fits) throw fail(n, "bias " + q(c.name()) + " of shape " + Arrays.toString(d) + " does not fit " + out + " outputs");
        double[] v = new double[out];
        for (int i = 0; i < out; i++) v[i] = c.values().length == 1 ? c.values()[0] : c.values()[i];
        Tensor t = Tensor.of(v, out);
        return dtype == DType.FLOAT64 ? t : t.to(dtype);
    }

    private void matMul(Node n, String x) {
        inputs(n, x, 2, 2);
        TensorData b = constantInput(n, 1, "weight");
        if (b.dims().length != 2) throw fail(n, "weight " + q(b.name()) + " has shape " + Arrays.toString(b.dims()) + ", expected a matrix");
        if (rank != 2 && rank != -1) throw fail(n, "on a rank-" + rank + " value: backprop4j's Linear takes [batch, features]");
        Linear l = new Linear(tensor(b), null);   // MatMul's B is [in, out], as Linear stores it
        layers.add(l);
        biasless = l;
        rank = 2;
    }

    private void elementwise(Node n, String x, Linear pending) {
        List<String> in = n.inputs();
        if (in.size() != 2) throw fail(n, "has " + in.size() + " inputs, expected 2");
        boolean first = in.get(1).equals(x);
        String other = first ? in.get(0) : in.get(1);
        if (!in.get(0).equals(x) && !first) throw fail(n, "does not take the value before it");
        TensorData c = constants.get(other);
        if (c == null) throw fail(n, "input " + q(other) + " is computed, not a constant: the graph branches, and a Sequential is a chain");
        Elementwise.Op op = Elementwise.Op.valueOf(n.opType().toUpperCase(java.util.Locale.ROOT));
        if (op == Elementwise.Op.ADD && pending != null && layers.get(layers.size() - 1) == pending) {
            long[] d = c.dims();
            int out = pending.outFeatures();
            if (d.length == 1 && d[0] == out || d.length == 2 && d[0] == 1 && d[1] == out) {   // MatMul + Add = Linear
                layers.set(layers.size() - 1, new Linear(pending.weight().detach(), biasOf(n, c, out)));
                return;
            }
        }
        layers.add(new Elementwise(op, tensor(c), first && (op == Elementwise.Op.SUB || op == Elementwise.Op.DIV)));
        if (rank >= 0) rank = Math.max(rank, c.dims().length);
    }

    private void batchNorm(Node n, String x) {
        inputs(n, x, 5, 5);
        TensorData scale = constantInput(n, 1, "scale"), bias = constantInput(n, 2, "bias"),
                mean = constantInput(n, 3, "mean"), var = constantInput(n, 4, "variance");
        int c = scale.values().length;
        for (TensorData t : List.of(scale, bias, mean, var)) {
            if (t.dims().length != 1 || t.values().length != c) {
                throw fail(n, q(t.name()) + " has shape " + Arrays.toString(t.dims()) + ", expected [" + c + "]");
            }
        }
        if (intAttr(n, "training_mode", 0) != 0) throw fail(n, "training_mode=1: backprop4j reads inference graphs");
        double eps = floatAttr(n, "epsilon", 1e-5f), momentum = 1 - floatAttr(n, "momentum", 0.9f);
        if (!(eps > 0)) throw fail(n, "epsilon " + eps + " is not positive");
        if (!(momentum >= 0 && momentum <= 1)) throw fail(n, "momentum " + (1 - momentum) + " is outside [0, 1]");
        Module bn = switch (rank) {
            case 2 -> new BatchNorm1d(c, eps, momentum, dtype);
            case 4 -> new BatchNorm2d(c, eps, momentum, dtype);
            default -> throw fail(n, "on a rank-" + rank + " value: backprop4j normalises [N, C] or [N, C, H, W]");
        };
        Map<String, Tensor> state = new LinkedHashMap<>();
        state.put("weight", tensor(scale));
        state.put("bias", tensor(bias));
        state.put("running_mean", tensor(mean));
        state.put("running_var", tensor(var));
        bn.loadStateDict(state);
        layers.add(bn);
    }

    /**
     * Pad with zeros: nothing when every pad is 0; else symmetric padding of the two spatial axes
     * of an image, left for the Conv or AveragePool that must follow (PyTorch writes one before an
     * AvgPool2d that counts the padding).
     */
    private void pad(Node n, String x) {
        inputs(n, x, 2, 4);
        String mode = stringAttr(n, "mode", "constant");
        if (!mode.equals("constant")) throw fail(n, "mode " + q(mode) + " is not supported (only padding with zeros)");
        if (n.inputs().size() > 2 && !n.inputs().get(2).isEmpty() && scalar(n, n.inputs().get(2)) != 0) {
            throw fail(n, "pads with " + scalar(n, n.inputs().get(2)) + "; backprop4j pads only with zeros");
        }
        double[] pads = constantInput(n, 1, "pads").values();
        double[] axes = n.inputs().size() > 3 && !n.inputs().get(3).isEmpty() ? constantInput(n, 3, "axes").values() : null;
        if (axes != null && pads.length != 2 * axes.length) throw fail(n, pads.length + " pads for " + axes.length + " axes (expected two per axis)");
        boolean zero = true;
        for (double v : pads) zero &= v == 0;
        if (zero) return;
        if (axes != null && rank == 4) pads = padsOfAllAxes(n, pads, axes);   // opset 18: pads of the listed axes only
        if (rank != 4 || pads.length != 8) throw fail(n, "pads " + Arrays.toString(pads) + ": backprop4j pads the two spatial axes of an image");
        if (pads[0] != 0 || pads[1] != 0 || pads[4] != 0 || pads[5] != 0 || pads[2] != pads[6] || pads[3] != pads[7] || pads[2] < 0 || pads[3] < 0
                || pads[2] > 1 << 20 || pads[3] > 1 << 20) {
            throw fail(n, "pads " + Arrays.toString(pads) + ": backprop4j pads the two spatial axes alike at both ends");
        }
        pendingPad = new int[] {(int) pads[2], (int) pads[3]};
        padNode = n;
    }

    /** Pads [begin..., end...] of the listed axes (negative: from the end) as pads of all four axes of an image. */
    private double[] padsOfAllAxes(Node n, double[] pads, double[] axes) {
        double[] all = new double[8];
        boolean[] seen = new boolean[4];
        for (int i = 0; i < axes.length; i++) {
            long a = (long) axes[i];
            if (a < 0) a += 4;
            if (a < 0 || a >= 4 || axes[i] != Math.rint(axes[i])) throw fail(n, "axis " + axes[i] + " of a rank-4 value");
            if (seen[(int) a]) throw fail(n, "axis " + (long) axes[i] + " is listed twice");
            seen[(int) a] = true;
            all[(int) a] = pads[i];
            all[(int) a + 4] = pads[i + axes.length];
        }
        return all;
    }

    private static int[] plus(int[] a, int[] b) {
        return b == null ? a : new int[] {a[0] + b[0], a[1] + b[1]};
    }

    private void conv(Node n, String x, int[] extraPad) {
        inputs(n, x, 2, 3);
        TensorData w = constantInput(n, 1, "weight");
        int spatial = w.dims().length - 2;
        if (spatial != 1 && spatial != 2) throw fail(n, "weight of shape " + Arrays.toString(w.dims()) + ": backprop4j has 1-D and 2-D convolutions");
        if (rank != -1 && rank != spatial + 2) throw fail(n, "a " + spatial + "-D convolution of a rank-" + rank + " value");
        int[] pads = pads(n, spatial);
        if (extraPad != null && !same(n)) {
            if (spatial != 2) throw fail(n, "a Pad before a 1-D convolution is not supported");
            pads = plus(pads, extraPad);
        }
        int[] stride = ints(n, "strides", spatial, 1), dilation = ints(n, "dilations", spatial, 1);
        int[] kernel = ints(n, "kernel_shape", spatial, 0);
        for (int i = 0; i < spatial; i++) {
            if (kernel[i] != 0 && kernel[i] != w.dims()[i + 2]) throw fail(n, "kernel_shape " + Arrays.toString(kernel) + " differs from the weight's");
        }
        int group = (int) intAttr(n, "group", 1);
        Tensor weight = tensor(w);
        Tensor bias = null;
        if (n.inputs().size() == 3 && !n.inputs().get(2).isEmpty()) {
            TensorData b = constants.get(n.inputs().get(2));
            if (b.dims().length != 1 || b.dims()[0] != w.dims()[0]) throw fail(n, "bias of shape " + Arrays.toString(b.dims()) + " does not fit the weight");
            bias = tensor(b);
        }
        Module conv;
        try {
            conv = spatial == 2 ? new Conv2d(weight, bias, stride, pads, dilation, group)
                    : new Conv1d(weight, bias, stride[0], pads[0], dilation[0], group);
        } catch (io.backprop4j.BackpropException e) {
            throw fail(n, e.getMessage());
        }
        layers.add(same(n) ? samePadded(n, conv, spatial, extraPad) : conv);
        rank = spatial + 2;
    }

    private void pool(Node n, String x, int[] extraPad) {
        inputs(n, x, 1, 1);
        if (rank != 4 && rank != -1) throw fail(n, "on a rank-" + rank + " value: backprop4j pools images [N, C, H, W]");
        int[] kernel = ints(n, "kernel_shape", 2, 0);
        if (kernel[0] <= 0 || kernel[1] <= 0) throw fail(n, "kernel_shape " + Arrays.toString(kernel) + " is missing or not 2-D and positive");
        int[] stride = ints(n, "strides", 2, 1), pads = pads(n, 2);
        boolean ceil = intAttr(n, "ceil_mode", 0) != 0;
        try {
            if (n.opType().equals("MaxPool")) {
                if (intAttr(n, "storage_order", 0) != 0) throw fail(n, "storage_order=1 is not supported");
                Module max = new MaxPool2d(kernel, stride, pads, ints(n, "dilations", 2, 1), ceil);
                layers.add(same(n) ? samePadded(n, max, 2, extraPad) : max);
            } else {
                if (n.attrs().containsKey("dilations") && !Arrays.equals(ints(n, "dilations", 2, 1), new int[] {1, 1})) {
                    throw fail(n, "dilations are not supported for average pooling");
                }
                boolean countPad = intAttr(n, "count_include_pad", 0) != 0;
                if (same(n)) {
                    layers.add(samePadded(n, new AvgPool2d(kernel, stride, pads, ceil, countPad, 0), 2, extraPad));
                    return;
                }
                if (extraPad != null) {
                    // the Pad's zeros are part of every window that reaches them: they count
                    if (!countPad && (pads[0] != 0 || pads[1] != 0)) throw fail(n, "pads of its own that do not count, after a Pad");
                    pads = plus(pads, extraPad);
                    countPad = true;
                }
                layers.add(new AvgPool2d(kernel, stride, pads, ceil, countPad, 0));
            }
        } catch (FormatException e) {
            throw e;
        } catch (io.backprop4j.BackpropException e) {
            throw fail(n, e.getMessage());
        }
    }

    private void flatten(Node n, String x) {
        inputs(n, x, 1, 1);
        long axis = intAttr(n, "axis", 1);
        if (axis < 0) {
            if (rank < 0) throw fail(n, "negative axis on a value of unknown rank");
            axis += rank;
        }
        if (axis == 0) {
            layers.add(new Reshape(1, -1));
        } else if (axis == 1) {
            if (rank == 2) { rank = 2; return; }   // already [N, features]
            layers.add(new Flatten());
        } else {
            if (rank >= 0 && axis > rank) throw fail(n, "axis " + axis + " of a rank-" + rank + " value");
            layers.add(new Flatten(0, (int) axis - 1));   // ONNX's Flatten joins the leading axes too
            layers.add(new Flatten(1, -1));
        }
        rank = 2;
    }

    private void reshape(Node n, String x) {
        inputs(n, x, 2, 2);
        TensorData s = constantInput(n, 1, "shape");
        if (s.dims().length != 1) throw fail(n, "shape " + q(s.name()) + " is not a list of sizes");
        int[] shape = new int[s.values().length];
        for (int i = 0; i < shape.length; i++) {
            double v = s.values()[i];
            if (v < -1 || v > Integer.MAX_VALUE || v != Math.rint(v)) throw fail(n, "size " + v + " in the shape");
            shape[i] = (int) v;
            if (shape[i] == 0 && intAttr(n, "allowzero", 0) != 0) throw fail(n, "allowzero=1 with a 0 in the shape is not supported");
        }
        try {
            layers.add(new Reshape(shape));
        } catch (io.backprop4j.BackpropException e) {
            throw fail(n, e.getMessage());
        }
        rank = shape.length;
    }

    /** A value of the shape computation before a Reshape: sizes known as numbers, or as "size k of the input". */
    private record Size(boolean ofInput, long value) {
        static Size of(long v) { return new Size(false, v); }
        static Size dim(long k) { return new Size(true, k); }
    }

    /**
     * A value of the shape computation: the sizes, a scalar when {@code scalar}; or, for
     * {@code whole}, the input's shape from position {@code from} on (its length unknown until the
     * rank is).
     */
    private record Sizes(List<Size> sizes, boolean scalar, boolean whole, int from) {
        static Sizes list(List<Size> s) { return new Sizes(s, false, false, 0); }
    }

    /**
     * A Reshape whose shape is computed from the input's own shape, as {@code torch.onnx.export}
     * writes {@code x.view(x.size(0), -1)} with a dynamic batch: {@code Shape(x) → Gather(0) →
     * Unsqueeze → Concat(·, [-1]) → Reshape(x, ·)} (one Shape per size used; Slice, Squeeze and
     * constants too). The sizes
     * are worked out symbolically; a size of the input at its own position becomes ONNX's 0
     * ("copy"), and [0, -1] becomes a Flatten. Returns the value after the Reshape, or null when
     * {@code next} is not that pattern.
     */
    private String computedReshape(String x, List<Node> next, List<Node> graphNodes) {
        List<Node> reshapes = next.stream().filter(n -> n.opType().equals("Reshape")).toList();
        if (reshapes.size() != 1) return null;
        Node reshape = reshapes.get(0);
        if (!reshape.domain().isEmpty() || reshape.inputs().size() != 2 || !reshape.inputs().get(0).equals(x)) return null;
        Map<String, Sizes> values = new HashMap<>();
        List<Node> chain = new ArrayList<>();
        for (Node shape : next) {   // PyTorch writes one Shape per x.size(k)
            if (shape == reshape) continue;
            if (!shape.opType().equals("Shape") || !shape.domain().isEmpty() || shape.inputs().size() != 1 || shape.outputs().size() != 1) return null;
            long start = intAttr(shape, "start", 0);
            if (shape.attrs().containsKey("end") || start < 0 && rank < 0) return null;
            values.put(shape.outputs().get(0), new Sizes(List.of(), false, true, (int) (start < 0 ? start + rank : start)));
            chain.add(shape);
        }
        String target = reshape.inputs().get(1);
        for (Node n : graphNodes) {
            if (values.containsKey(target)) break;
            if (used.contains(n) || chain.contains(n) || n == reshape || n.inputs().stream().noneMatch(values::containsKey)) continue;
            if (n.outputs().size() != 1 || !n.domain().isEmpty()) return null;
            Sizes out = shapeOp(n, values);
            if (out == null) return null;
            values.put(n.outputs().get(0), out);
            chain.add(n);
        }
        Sizes result = values.get(target);
        if (result == null || result.scalar()) return null;
        // every value of the computation is used inside it or by the Reshape: nothing else branches off
        for (Node n : chain) {
            for (Node c : consumers.getOrDefault(n.outputs().get(0), List.of())) if (c != reshape && !chain.contains(c)) return null;
        }
        List<Size> sizes = materialise(result);
        if (sizes == null) return null;
        int[] spec = new int[sizes.size()];
        for (int i = 0; i < spec.length; i++) {
            Size d = sizes.get(i);
            if (d.ofInput() && d.value() != i) return null;   // a size moved to another position: not read
            long v = d.ofInput() ? 0 : d.value();
            if (v < -1 || v > Integer.MAX_VALUE || v == 0 && !d.ofInput() && intAttr(reshape, "allowzero", 0) != 0) return null;
            spec[i] = (int) v;
        }
        if (pendingPad != null) throw fail(padNode, "pads with zeros before " + reshape.describe() + ": backprop4j pads only inside a Conv or an AveragePool");
        used.addAll(chain);
        used.add(reshape);
        biasless = null;
        if (Arrays.equals(spec, new int[] {0, -1})) {
            if (rank != 2) layers.add(new Flatten());
        } else {
            try {
                layers.add(new Reshape(spec));
            } catch (io.backprop4j.BackpropException e) {
                throw fail(reshape, e.getMessage());
            }
        }
        rank = spec.length;
        return output(reshape);
    }

    /** One node of a shape computation, or null when it is not one backprop4j works out. */
    private Sizes shapeOp(Node n, Map<String, Sizes> values) {
        switch (n.opType()) {
            case "Gather" -> {
                if (n.inputs().size() != 2 || intAttr(n, "axis", 0) != 0) return null;
                Sizes data = values.get(n.inputs().get(0));
                TensorData idx = constants.get(n.inputs().get(1));
                if (data == null || idx == null || idx.dims().length > 1) return null;
                List<Size> picked = new ArrayList<>();
                for (double i : idx.values()) {
                    Size d = element(data, (long) i);
                    if (d == null) return null;
                    picked.add(d);
                }
                return new Sizes(picked, idx.dims().length == 0, false, 0);
            }
            case "Unsqueeze", "Squeeze" -> {
                Sizes data = values.get(n.inputs().get(0));
                if (data == null || data.whole() || n.inputs().size() > 2) return null;
                TensorData axes = n.inputs().size() == 2 ? constants.get(n.inputs().get(1)) : null;
                if (n.inputs().size() == 2 && axes == null) return null;
                Attr axesAttr = n.attrs().get("axes");   // before opset 13; an input since
                boolean atZero = axes != null ? axes.values().length == 1 && axes.values()[0] == 0
                        : axesAttr == null ? n.opType().equals("Squeeze") : axesAttr.ints() != null && Arrays.equals(axesAttr.ints(), new long[] {0});
                if (!atZero) return null;
                if (n.opType().equals("Unsqueeze")) return data.scalar() ? Sizes.list(data.sizes()) : null;
                return !data.scalar() && data.sizes().size() == 1 ? new Sizes(data.sizes(), true, false, 0) : null;
            }
            case "Concat" -> {
                if (intAttr(n, "axis", 0) != 0) return null;
                List<Size> all = new ArrayList<>();
                for (String in : n.inputs()) {
                    Sizes part = values.containsKey(in) ? values.get(in) : constantSizes(constants.get(in));
                    if (part == null || part.scalar()) return null;
                    List<Size> m = materialise(part);
                    if (m == null) return null;
                    all.addAll(m);
                }
                return Sizes.list(all);
            }
            case "Slice" -> {
                Sizes data = values.get(n.inputs().get(0));
                if (data == null || data.scalar() || n.inputs().size() < 3 || n.inputs().size() > 5) return null;
                TensorData starts = constants.get(n.inputs().get(1)), ends = constants.get(n.inputs().get(2));
                if (starts == null || ends == null || starts.values().length != 1 || ends.values().length != 1) return null;
                for (int i = 3; i < n.inputs().size(); i++) {
                    TensorData t = constants.get(n.inputs().get(i));
                    if (t == null || t.values().length != 1 || t.values()[0] != (i == 3 ? 0 : 1)) return null;   // axis 0, step 1
                }
                long from = (long) starts.values()[0], to = (long) ends.values()[0];
                if (data.whole() && from >= 0 && to >= from && to < (1L << 31) && (rank < 0 || to <= rank - data.from())) {
                    List<Size> s = new ArrayList<>();
                    for (long k = from; k < to; k++) s.add(Size.dim(data.from() + k));
                    return Sizes.list(s);
                }
                List<Size> m = materialise(data);
                if (m == null) return null;
                int len = m.size();
                long a = Math.clamp(from < 0 ? from + len : from, 0, len), b = Math.clamp(to < 0 ? to + len : to, 0, len);
                return Sizes.list(new ArrayList<>(m.subList((int) a, (int) Math.max(a, b))));
            }
            default -> {
                return null;
            }
        }
    }

    /** Element {@code i} of a shape value, or null when it cannot be known. */
    private Size element(Sizes data, long i) {
        if (data.whole()) {
            if (i < 0) {
                if (rank < 0) return null;
                i += rank - data.from();
            }
            return i >= 0 && (rank < 0 || data.from() + i < rank) ? Size.dim(data.from() + i) : null;
        }
        int len = data.sizes().size();
        if (i < 0) i += len;
        return i >= 0 && i < len && !data.scalar() ? data.sizes().get((int) i) : null;
    }

    /** The sizes of a shape value as a list, or null for the input's whole shape when its rank is not known. */
    private List<Size> materialise(Sizes v) {
        if (!v.whole()) return v.sizes();
        if (rank < 0) return null;
        List<Size> s = new ArrayList<>();
        for (int k = v.from(); k < rank; k++) s.add(Size.dim(k));
        return s;
    }

    private static Sizes constantSizes(TensorData t) {
        if (t == null || t.dims().length > 1) return null;
        List<Size> s = new ArrayList<>();
        for (double v : t.values()) {
            if (v != Math.rint(v)) return null;
            s.add(Size.of((long) v));
        }
        return new Sizes(s, t.dims().length == 0, false, 0);
    }

    /**
     * PyTorch's GELU for opsets before 20: Div(x, √2) → Erf → Add(1) → Mul(x, ·) → Mul(½), the
     * operands of Add and Mul in either order. Returns the value after it, or null when the nodes
     * that take {@code x} are not that pattern.
     */
    private String gelu(String x, List<Node> next) {
        if (next.size() != 2) return null;
        Node div = next.get(0).opType().equals("Div") ? next.get(0) : next.get(1);
        Node mul = div == next.get(0) ? next.get(1) : next.get(0);
        if (!div.opType().equals("Div") || !mul.opType().equals("Mul")) return null;
        if (!(div.inputs().size() == 2 && div.inputs().get(0).equals(x) && isConstant(div.inputs().get(1), Math.sqrt(2), 1e-6))) return null;
        Node erf = only(div, "Erf");
        if (erf == null) return null;
        Node add = only(erf, "Add");
        if (add == null || add.inputs().size() != 2 || !isConstant(other(add, erf.outputs().get(0)), 1, 1e-7)) return null;
        Node m1 = only(add, "Mul");
        if (m1 != mul || !x.equals(other(m1, add.outputs().get(0)))) return null;
        Node m2 = only(m1, "Mul");
        if (m2 == null || m2.inputs().size() != 2 || !isConstant(other(m2, m1.outputs().get(0)), 0.5, 1e-7)) return null;
        used.addAll(List.of(div, erf, add, m1, m2));
        biasless = null;
        layers.add(new GELU());
        return output(m2);
    }

    /** The one node that takes {@code n}'s one output, when it is an {@code op}; else null. */
    private Node only(Node n, String op) {
        if (n.outputs().size() != 1) return null;
        List<Node> c = consumers.getOrDefault(n.outputs().get(0), List.of());
        return c.size() == 1 && c.get(0).opType().equals(op) && c.get(0).domain().isEmpty() ? c.get(0) : null;
    }

    /** The input of a two-input node that is not {@code value} (null when neither or both are). */
    private static String other(Node n, String value) {
        if (n.inputs().size() != 2) return null;
        String a = n.inputs().get(0), b = n.inputs().get(1);
        return a.equals(value) == b.equals(value) ? null : a.equals(value) ? b : a;
    }

    private boolean isConstant(String name, double value, double tol) {
        TensorData t = name == null ? null : constants.get(name);
        return t != null && t.values().length == 1 && Math.abs(t.values()[0] - value) <= tol * Math.max(1, Math.abs(value));
    }

    // ------------------------------------------------------------------------------ attributes

    private Attr attr(Node n, String name, int type) {
        Attr a = n.attrs().get(name);
        if (a != null && a.type() != type && a.type() != 0) {
            throw fail(n, "attribute " + name + " has attribute type " + a.type() + ", expected " + type);
        }
        return a;
    }

    private float floatAttr(Node n, String name, float dflt) {
        Attr a = attr(n, name, OnnxFile.A_FLOAT);
        return a == null ? dflt : a.f();
    }

    private long intAttr(Node n, String name, long dflt) {
        Attr a = attr(n, name, OnnxFile.A_INT);
        return a == null ? dflt : a.i();
    }

    private String stringAttr(Node n, String name, String dflt) {
        Attr a = attr(n, name, OnnxFile.A_STRING);
        return a == null || a.s() == null ? dflt : a.s();
    }

    /** An ints attribute of {@code count} values, each from 1 to 2^31 - 1; absent: all {@code dflt}. */
    private int[] ints(Node n, String name, int count, int dflt) {
        Attr a = attr(n, name, OnnxFile.A_INTS);
        int[] out = new int[count];
        if (a == null) {
            Arrays.fill(out, dflt);
            return out;
        }
        if (a.ints().length != count) throw fail(n, "attribute " + name + " has " + a.ints().length + " values, expected " + count);
        for (int i = 0; i < count; i++) {
            long v = a.ints()[i];
            if (v < 0 || v > Integer.MAX_VALUE) throw fail(n, "attribute " + name + " = " + Arrays.toString(a.ints()));
            out[i] = (int) v;
        }
        return out;
    }

    /** SAME_UPPER or SAME_LOWER: the padding is worked out from each input's size ({@link SamePadded}). */
    private boolean same(Node n) {
        String autoPad = stringAttr(n, "auto_pad", "NOTSET");
        return autoPad.equals("SAME_UPPER") || autoPad.equals("SAME_LOWER");
    }

    /** A layer with auto_pad SAME_UPPER or SAME_LOWER: 2-D, no Pad before it, no rounding up. */
    private Module samePadded(Node n, Module layer, int spatial, int[] extraPad) {
        String autoPad = stringAttr(n, "auto_pad", "NOTSET");
        if (spatial != 2) throw fail(n, "auto_pad=" + q(autoPad) + " on a " + spatial + "-D convolution: backprop4j works SAME padding out for images only");
        if (extraPad != null) throw fail(padNode, "pads with zeros before " + n.describe() + ", whose auto_pad=" + q(autoPad) + " pads too");
        if (intAttr(n, "ceil_mode", 0) != 0) throw fail(n, "ceil_mode=1 with auto_pad=" + q(autoPad) + " (SAME fixes the output size)");
        int[] dilations = ints(n, "dilations", 2, 1);
        if (dilations[0] != 1 || dilations[1] != 1) {
            throw fail(n, "dilations " + Arrays.toString(dilations) + " with auto_pad=" + q(autoPad) + " are not supported (ONNX Runtime refuses them too)");
        }
        try {
            return new SamePadded(layer, autoPad.equals("SAME_LOWER"));
        } catch (io.backprop4j.BackpropException e) {
            throw fail(n, e.getMessage());
        }
    }

    /**
     * Symmetric pads [begin..., end...] as one padding per axis; auto_pad NOTSET or VALID, or
     * SAME_UPPER / SAME_LOWER (none here: {@link #samePadded} pads).
     */
    private int[] pads(Node n, int spatial) {
        String autoPad = stringAttr(n, "auto_pad", "NOTSET");
        if (autoPad.equals("VALID") || same(n)) return new int[spatial];
        if (!autoPad.equals("NOTSET")) throw fail(n, "auto_pad=" + q(autoPad) + " is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID");
        int[] p = ints(n, "pads", 2 * spatial, 0);
        int[] out = Arrays.copyOf(p, spatial);
        for (int i = 0; i < spatial; i++) {
            if (p[i] != p[i + spatial]) throw fail(n, "pads " + Arrays.toString(p) + " differ at the two ends; backprop4j pads both ends alike");
        }
        return out;
    }
}
