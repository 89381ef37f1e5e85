package io.backprop4j.onnx;

import io.backprop4j.BackpropException;
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
import io.backprop4j.nn.GELU;
import io.backprop4j.nn.Identity;
import io.backprop4j.nn.LeakyReLU;
import io.backprop4j.nn.Linear;
import io.backprop4j.nn.LogSoftmax;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.Module;
import io.backprop4j.nn.RandomShift2d;
import io.backprop4j.nn.ReLU;
import io.backprop4j.nn.Sequential;
import io.backprop4j.nn.Sigmoid;
import io.backprop4j.nn.Softmax;
import io.backprop4j.nn.Softplus;
import io.backprop4j.nn.Tanh;
import io.backprop4j.onnx.OnnxFile.Attr;
import io.backprop4j.onnx.OnnxFile.Node;
import io.backprop4j.onnx.OnnxFile.TensorData;
import io.backprop4j.onnx.OnnxFile.ValueInfo;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.NoGrad;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A Sequential as an ONNX graph of opset {@value #OPSET}: one node (or a few) per layer, in order. */
final class Exporter {
    static final long OPSET = 17;
    /** The IR version that goes with opset 17 (ONNX 1.12). */
    static final long IR_VERSION = 8;

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, TensorData> initializers = new LinkedHashMap<>();
    private final int elemType;
    private String current = Onnx.INPUT;

    private Exporter(int elemType) {
        this.elemType = elemType;
    }

    private record Leaf(String path, Module module, int[] in, int[] out) {}

    static OnnxFile.Model export(Sequential model, int[] sampleShape) {
        return export(model, sampleShape, null, null);
    }

    /**
     * With {@code mean} and {@code std} (one per input feature, or both null): the graph first
     * standardises its raw input, {@code (x − mean) / std}, as a Sub and a Div node.
     */
    static OnnxFile.Model export(Sequential model, int[] sampleShape, double[] mean, double[] std) {
        if (model == null) throw new BackpropException("Onnx.save: model is null");
        if (sampleShape == null || sampleShape.length == 0) {
            throw new BackpropException("Onnx.save: give the shape of one input sample, such as {784} or {1, 28, 28}");
        }
        for (int d : sampleShape) {
            if (d <= 0) throw new BackpropException("Onnx.save: input shape " + Shapes.str(sampleShape) + " has a size that is not positive");
        }
        DType dtype = model.parameters().isEmpty() ? DType.FLOAT32 : model.parameters().get(0).dtype();
        List<Leaf> leaves = leaves(model, sampleShape, dtype);
        Exporter e = new Exporter(dtype == DType.FLOAT64 ? OnnxFile.DOUBLE : OnnxFile.FLOAT);
        if (mean != null || std != null) e.standardize(sampleShape, mean, std);
        for (Leaf leaf : leaves) e.layer(leaf);
        int[] outShape = leaves.isEmpty() ? batch(sampleShape) : leaves.get(leaves.size() - 1).out();
        e.finish();
        List<Object> inDims = dims(batch(sampleShape)), outDims = dims(outShape);
        var graph = new OnnxFile.Graph("backprop4j", e.nodes, e.initializers,
                List.of(new ValueInfo(Onnx.INPUT, e.elemType, inDims)), List.of(new ValueInfo(Onnx.OUTPUT, e.elemType, outDims)));
        return new OnnxFile.Model(IR_VERSION, Map.of("", OPSET), "backprop4j", graph);
    }

    private static int[] batch(int[] sample) {
        int[] s = new int[sample.length + 1];
        s[0] = 1;
        System.arraycopy(sample, 0, s, 1, sample.length);
        return s;
    }

    /** The dims of a value: a named batch size first, then the sizes. */
    private static List<Object> dims(int[] shape) {
        List<Object> d = new ArrayList<>();
        d.add("batch");
        for (int i = 1; i < shape.length; i++) d.add((long) shape[i]);
        return d;
    }

    /**
     * The layers in the order they run (nested Sequentials opened), each with the shapes it sees
     * on one sample, from a real forward pass in evaluation mode.
     */
    private static List<Leaf> leaves(Sequential model, int[] sampleShape, DType dtype) {
        Map<Module, int[][]> shapes = new java.util.IdentityHashMap<>();
        List<Module.HookHandle> hooks = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        List<Module> modules = new ArrayList<>();
        List<String> samePadded = new ArrayList<>();   // one node each: the layer inside is not a leaf of its own
        model.namedModules().forEach((path, m) -> {
            if (m instanceof Sequential || samePadded.stream().anyMatch(s -> path.startsWith(s + "."))) return;
            if (m instanceof SamePadded) samePadded.add(path);
            else if (!m.children().isEmpty() || !supported(m)) {
                throw new BackpropException("Onnx.save: layer " + path + " (" + m + ") has no ONNX form here; supported: Linear, "
                        + "the activations, BatchNorm1d/2d, Dropout, RandomShift2d, Conv1d/2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Reshape, "
                        + "SamePadded and nested Sequentials");
            }
            paths.add(path);
            modules.add(m);
            hooks.add(m.registerForwardHook((mod, in, out) -> shapes.put(mod, new int[][] {in.shape(), out.shape()})));
        });
        try (var g = NoGrad.enter(); var e = model.evalScope()) {
            model.forward(Tensor.zeros(dtype, batch(sampleShape)));
        } catch (BackpropException ex) {
            throw new BackpropException("Onnx.save: the model does not run on an input of shape " + Shapes.str(batch(sampleShape))
                    + ": " + ex.getMessage(), ex);
        } finally {
            hooks.forEach(Module.HookHandle::close);
        }
        List<Leaf> out = new ArrayList<>();
        for (int i = 0; i < modules.size(); i++) {
            int[][] s = shapes.get(modules.get(i));
            if (s == null) throw new BackpropException("Onnx.save: layer " + paths.get(i) + " did not run in the forward pass");
            out.add(new Leaf(paths.get(i), modules.get(i), s[0], s[1]));
        }
        return out;
    }

    private static boolean supported(Module m) {
        return m instanceof Linear || m instanceof ReLU || m instanceof LeakyReLU || m instanceof Sigmoid || m instanceof Tanh
                || m instanceof ELU || m instanceof Softplus || m instanceof GELU || m instanceof Softmax || m instanceof LogSoftmax
                || m instanceof Identity || m instanceof BatchNorm1d || m instanceof BatchNorm2d || m instanceof Dropout
                || m instanceof Dropout2d || m instanceof Conv2d || m instanceof Conv1d || m instanceof MaxPool2d
                || m instanceof AvgPool2d || m instanceof AdaptiveAvgPool2d || m instanceof Flatten || m instanceof RandomShift2d
                || m instanceof Reshape;
    }

    private void layer(Leaf leaf) {
        String p = leaf.path();
        switch (leaf.module()) {
            case Linear l -> node(p, "Gemm", attrs(), tensor(p + ".weight", l.weight()), l.bias() == null ? null : tensor(p + ".bias", l.bias()));
            case ReLU r -> node(p, "Relu", attrs());
            case LeakyReLU r -> node(p, "LeakyRelu", attrs(fl("alpha", r.alpha())));
            case Sigmoid s -> node(p, "Sigmoid", attrs());
            case Tanh t -> node(p, "Tanh", attrs());
            case ELU e -> node(p, "Elu", attrs(fl("alpha", e.alpha())));
            case Softplus s -> node(p, "Softplus", attrs());
            case Softmax s -> node(p, "Softmax", attrs(in("axis", -1)));
            case LogSoftmax s -> node(p, "LogSoftmax", attrs(in("axis", -1)));
            case GELU g -> gelu(p);
            case BatchNorm1d b -> batchNorm(p, b.weight(), b.bias(), b.runningMean(), b.runningVar(), b.eps(), b.momentum());
            case BatchNorm2d b -> batchNorm(p, b.weight(), b.bias(), b.runningMean(), b.runningVar(), b.eps(), b.momentum());
            case Conv2d c -> conv(p, c, ints("pads", pads(c.padding())));
            case Conv1d c -> node(p, "Conv", attrs(ints("kernel_shape", new int[] {c.kernelSize()}), ints("strides", new int[] {c.stride()}),
                    ints("pads", new int[] {c.padding(), c.padding()}), ints("dilations", new int[] {c.dilation()}), in("group", c.groups())),
                    tensor(p + ".weight", c.weight()), c.bias() == null ? null : tensor(p + ".bias", c.bias()));
            case MaxPool2d m -> maxPool(p, m, ints("pads", pads(m.padding())), ints("dilations", m.dilation()));
            case AvgPool2d a -> avgPool(p, a, ints("pads", pads(a.padding())));
            case SamePadded s -> {
                // ONNX's own auto_pad: the padding is worked out from the input's size there too
                Attr autoPad = str("auto_pad", s.lower() ? "SAME_LOWER" : "SAME_UPPER");
                String inner = p + ".layer";
                int[] dilation = switch (s.layer()) {
                    case Conv2d c -> c.dilation();
                    case MaxPool2d m -> m.dilation();
                    default -> new int[] {1, 1};
                };
                if (dilation[0] != 1 || dilation[1] != 1) {   // as Onnx.load refuses them
                    throw new BackpropException("Onnx.save: layer " + p + " (" + s + "): dilations " + Arrays.toString(dilation)
                            + " with auto_pad are not supported (ONNX Runtime refuses them)");
                }
                switch (s.layer()) {
                    case Conv2d c -> conv(inner, c, autoPad);
                    case MaxPool2d m -> maxPool(inner, m, autoPad, null);   // dilation 1, checked above: ONNX's default
                    case AvgPool2d a -> avgPool(inner, a, autoPad);
                    default -> throw new AssertionError(s);
                }
            }
            case AdaptiveAvgPool2d a -> adaptive(leaf, a);
            case Flatten f -> flatten(leaf, f);
            case Reshape r -> reshape(p, r);
            case Identity i -> { }
            case Dropout d -> { }   // evaluation mode: dropout does nothing
            case Dropout2d d -> { }
            case RandomShift2d r -> { }   // an augmentation: the identity in evaluation mode
            default -> throw new AssertionError(leaf.module());
        }
    }

    /** A Conv node of {@code c}, its padding given by {@code padding} (pads or auto_pad). */
    private void conv(String p, Conv2d c, Attr padding) {
        node(p, "Conv", attrs(ints("kernel_shape", c.kernelSize()), ints("strides", c.stride()), padding,
                ints("dilations", c.dilation()), in("group", c.groups())),
                tensor(p + ".weight", c.weight()), c.bias() == null ? null : tensor(p + ".bias", c.bias()));
    }

    /** A MaxPool node of {@code m}, its padding given by {@code padding}; {@code dilations} left out when null. */
    private void maxPool(String p, MaxPool2d m, Attr padding, Attr dilations) {
        node(p, "MaxPool", attrs(ints("kernel_shape", m.kernelSize()), ints("strides", m.stride()), padding, dilations,
                in("ceil_mode", m.ceilMode() ? 1 : 0)));
    }

    /** An AveragePool node of {@code a}, its padding given by {@code padding}. */
    private void avgPool(String p, AvgPool2d a, Attr padding) {
        if (a.divisorOverride() != 0) {
            throw new BackpropException("Onnx.save: layer " + p + " (" + a + "): ONNX's AveragePool has no divisor_override");
        }
        node(p, "AveragePool", attrs(ints("kernel_shape", a.kernelSize()), ints("strides", a.stride()), padding,
                in("ceil_mode", a.ceilMode() ? 1 : 0), in("count_include_pad", a.countIncludePad() ? 1 : 0)));
    }

    private void standardize(int[] sampleShape, double[] mean, double[] std) {
        int features = 1;
        for (int d : sampleShape) features *= d;
        if (mean == null || std == null || mean.length != features || std.length != features) {
            throw new BackpropException("Onnx.save: the standardisation needs a mean and a std for each of the " + features
                    + " input values, got " + (mean == null ? "no" : mean.length) + " means and " + (std == null ? "no" : std.length) + " stds");
        }
        for (double v : std) {
            if (!(v > 0) || !Double.isFinite(v)) throw new BackpropException("Onnx.save: a std of " + v + " (each must be positive and finite)");
        }
        long[] dims = Arrays.stream(sampleShape).asLongStream().toArray();   // broadcast over the batch
        initializers.put("standardizer.mean", new TensorData("standardizer.mean", elemType, dims, mean.clone()));
        initializers.put("standardizer.std", new TensorData("standardizer.std", elemType, dims, std.clone()));
        current = add("/standardizer/Sub", "Sub", attrs(), current, "standardizer.mean");
        current = add("/standardizer/Div", "Div", attrs(), current, "standardizer.std");
    }

    private void gelu(String p) {
        // gelu(x) = x · ½ (1 + erf(x / √2)), as PyTorch writes it for opsets before 20
        String x = current;
        String sqrt2 = scalar(p + ".sqrt2", Math.sqrt(2)), one = scalar(p + ".one", 1), half = scalar(p + ".half", 0.5);
        String div = add(p + "/Div", "Div", attrs(), x, sqrt2);
        String erf = add(p + "/Erf", "Erf", attrs(), div);
        String plus = add(p + "/Add", "Add", attrs(), erf, one);
        String times = add(p + "/Mul", "Mul", attrs(), x, plus);
        current = add(p + "/Mul_1", "Mul", attrs(), times, half);
    }

    private void batchNorm(String p, Tensor w, Tensor b, Tensor mean, Tensor var, double eps, double momentum) {
        // ONNX's momentum weighs the old running value (PyTorch's, the new batch)
        node(p, "BatchNormalization", attrs(fl("epsilon", eps), fl("momentum", 1 - momentum)), tensor(p + ".weight", w),
                tensor(p + ".bias", b), tensor(p + ".running_mean", mean), tensor(p + ".running_var", var));
    }

    private void adaptive(Leaf leaf, AdaptiveAvgPool2d a) {
        int[] in = leaf.in(), size = a.outputSize();
        int h = in[in.length - 2], w = in[in.length - 1];
        if (size[0] == 1 && size[1] == 1) {
            node(leaf.path(), "GlobalAveragePool", attrs());
        } else if (h % size[0] == 0 && w % size[1] == 0) {   // then the windows are equal and do not overlap
            int[] k = {h / size[0], w / size[1]};
            node(leaf.path(), "AveragePool", attrs(ints("kernel_shape", k), ints("strides", k)));
        } else {
            throw new BackpropException("Onnx.save: layer " + leaf.path() + " (" + a + ") on an input of " + h + "x" + w
                    + ": ONNX has no adaptive pooling, and the windows differ in size here");
        }
    }

    private void flatten(Leaf leaf, Flatten f) {
        int rank = leaf.in().length;
        int s = f.startDim() < 0 ? f.startDim() + rank : f.startDim(), e = f.endDim() < 0 ? f.endDim() + rank : f.endDim();
        if (s == 1 && e == rank - 1) {
            node(leaf.path(), "Flatten", attrs(in("axis", 1)));
            return;
        }
        int[] out = leaf.out().clone();
        double[] shape = new double[out.length];
        for (int i = 0; i < out.length; i++) shape[i] = out[i];
        shape[0] = s == 0 ? -1 : 0;   // 0: the batch size of the input, whatever it is
        String name = leaf.path() + ".shape";
        initializers.put(name, new TensorData(name, OnnxFile.INT64, new long[] {shape.length}, shape));
        node(leaf.path(), "Reshape", attrs(), name);
    }

    /** An imported Reshape back as it came: its shape a constant (0 copies the input's size there, one -1 takes the rest, as in ONNX). */
    private void reshape(String path, Reshape r) {
        int[] shape = r.shape();
        double[] values = new double[shape.length];
        for (int i = 0; i < shape.length; i++) values[i] = shape[i];
        String name = path + ".shape";
        initializers.put(name, new TensorData(name, OnnxFile.INT64, new long[] {shape.length}, values));
        node(path, "Reshape", attrs(), name);
    }

    private static int[] pads(int[] padding) {
        int[] p = new int[2 * padding.length];
        for (int i = 0; i < padding.length; i++) p[i] = p[i + padding.length] = padding[i];   // begins, then ends
        return p;
    }

    /** A node on the current value and {@code constants} (null ones left out); its output becomes current. */
    private void node(String path, String op, Map<String, Attr> attrs, String... constants) {
        List<String> inputs = new ArrayList<>();
        inputs.add(current);
        for (String c : constants) if (c != null) inputs.add(c);
        current = add("/" + path + "/" + op, op, attrs, inputs.toArray(String[]::new));
    }

    private String add(String name, String op, Map<String, Attr> attrs, String... inputs) {
        String out = name + "_output_0";
        nodes.add(new Node(nodes.size(), name, op, "", List.of(inputs), List.of(out), attrs));
        return out;
    }

    /** The last node writes "output"; a model of no nodes gets an Identity. */
    private void finish() {
        if (nodes.isEmpty()) {
            add("/Identity", "Identity", attrs(), Onnx.INPUT);
        }
        Node last = nodes.remove(nodes.size() - 1);
        nodes.add(new Node(last.index(), last.name(), last.opType(), last.domain(), last.inputs(), List.of(Onnx.OUTPUT), last.attrs()));
    }

    private String tensor(String name, Tensor t) {
        long[] dims = Arrays.stream(t.shape()).asLongStream().toArray();
        initializers.put(name, new TensorData(name, elemType, dims, t.toDoubleArray()));
        return name;
    }

    private String scalar(String name, double v) {
        initializers.put(name, new TensorData(name, elemType, new long[0], new double[] {v}));
        return name;
    }

    /** The attributes in order, null ones left out. */
    private static Map<String, Attr> attrs(Attr... as) {
        Map<String, Attr> m = new LinkedHashMap<>();
        for (Attr a : as) if (a != null) m.put(a.name(), a);
        return m;
    }

    private static Attr fl(String name, double v) {
        return new Attr(name, OnnxFile.A_FLOAT, (float) v, 0, null, null, null, null);
    }

    private static Attr in(String name, long v) {
        return new Attr(name, OnnxFile.A_INT, 0, v, null, null, null, null);
    }

    private static Attr str(String name, String v) {
        return new Attr(name, OnnxFile.A_STRING, 0, 0, v, null, null, null);
    }

    private static Attr ints(String name, int[] v) {
        return new Attr(name, OnnxFile.A_INTS, 0, 0, null, null, null, Arrays.stream(v).asLongStream().toArray());
    }
}
