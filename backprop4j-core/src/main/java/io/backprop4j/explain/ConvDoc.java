package io.backprop4j.explain;

import static io.backprop4j.explain.Doc.fac;
import static io.backprop4j.explain.Doc.num;

import io.backprop4j.explain.NetworkSpec.Kind;
import java.util.ArrayList;
import java.util.List;

/**
 * The worked step of the image layers (conv2d, max_pool2d, avg_pool2d, flatten) for
 * {@link ExplainDoc}: each output position's dot product of the kernel with its input window, the
 * pooling (which input wins each max window, the average's share), the flatten's index map, the
 * gradient sent back through each of them, and the kernel gradient as the correlation of the input
 * with the gradient from above. Every number shown is one the engine computed ({@link StepSolution});
 * the sums written out are the terms of those numbers, for a person to follow. Sample 1 is written
 * out; the JSON output has every sample.
 */
final class ConvDoc {
    /** Sums longer than this are cut with "…". */
    private static final int MAX_TERMS = 12;
    /** Lines per list beyond this are left to the tables. */
    private static final int MAX_LINES = 36;

    private final StepSolution s;
    private final NetworkSpec spec;
    private final Doc doc;
    private final int last;

    ConvDoc(StepSolution s, Doc doc) {
        this.s = s;
        this.spec = s.spec();
        this.doc = doc;
        this.last = spec.layers().size() - 1;
    }

    // ------------------------------------------------------------------------------ names and values

    /** The name of layer l's values: x for the input (l = −1), else the unit letter. */
    private String name(int l) {
        return l < 0 ? "x" : ExplainDoc.unitName(l, last);
    }

    /** A value at channel c, row y, column x (0-based), indices shown from 1. */
    static String at(String base, int c, int y, int x) {
        return base + "_{" + (c + 1) + "," + (y + 1) + "," + (x + 1) + "}";
    }

    /** A convolution weight w_{o,c,u,v}, from 1. */
    static String weight(int l, int o, int c, int u, int v, int layers) {
        return (layers == 1 ? "w" : "w^{(" + (l + 1) + ")}") + "_{" + (o + 1) + "," + (c + 1) + "," + (u + 1) + "," + (v + 1) + "}";
    }

    private String weight(int l, int o, int c, int u, int v) {
        return weight(l, o, c, u, v, spec.layers().size());
    }

    /** Layer l's input values of sample b, flat. */
    private double[] in(int l, int b) {
        return l == 0 ? spec.input()[b] : s.layers().get(l - 1).output()[b];
    }

    private String inValue(int l, int c, int y, int x) {
        return (l == 0 ? "" : "out ") + at(name(l - 1), c, y, x);
    }

    private static String join(List<String> terms) {
        if (terms.isEmpty()) return "0";
        if (terms.size() <= MAX_TERMS) return String.join(" + ", terms);
        return String.join(" + ", terms.subList(0, MAX_TERMS - 2)) + " + … + " + terms.getLast() + "\\text{ (" + terms.size() + " terms)}";
    }

    private String sampleNote() {
        return spec.batch() == 1 ? "" : " (sample 1 written out; every sample in the json output)";
    }

    /** A layer's description: "conv2d, 2 filters 1 x 2 x 2, stride 1, padding 0: 1 x 4 x 4 → 2 x 3 x 3". */
    String describe(int l) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        String shapes = NetworkSpec.str(spec.inShape(l)) + " → " + NetworkSpec.str(spec.outShape(l));
        int[] k = layer.kernel();
        return switch (layer.kind()) {
            case CONV2D -> "conv2d, " + k[0] + (k[0] == 1 ? " filter " : " filters ") + k[1] + " x " + k[2] + " x " + k[3]
                    + ", stride " + layer.stride() + ", padding " + layer.padding() + ": " + shapes + ", " + layer.activation().specName()
                    + (layer.hasBias() ? ", with bias" : ", no bias");
            case MAX_POOL2D, AVG_POOL2D -> layer.kind().specName() + ", window " + k[0] + " x " + k[1] + ", stride " + layer.stride() + ": " + shapes;
            case FLATTEN -> "flatten: " + shapes;
            case DENSE -> "dense";
            case RNN -> "rnn";
        };
    }

    /** One channel of a [C][H][W] sample (flat) as a table with rows and columns counted from 1. */
    void grid(String title, double[] flat, int[] shape, int c) {
        int h = shape[1];
        int w = shape[2];
        List<String> header = new ArrayList<>(List.of(title));
        for (int x = 0; x < w; x++) header.add("col " + (x + 1));
        List<List<String>> rows = new ArrayList<>();
        for (int y = 0; y < h; y++) {
            List<String> r = new ArrayList<>(List.of("row " + (y + 1)));
            for (int x = 0; x < w; x++) r.add(num(flat[(c * h + y) * w + x]));
            rows.add(r);
        }
        doc.table(header, rows);
    }

    /** Every channel of a sample as tables. */
    void grids(String what, double[] flat, int[] shape) {
        for (int c = 0; c < shape[0]; c++) grid(what + " channel " + (c + 1), flat, shape, c);
    }

    // ------------------------------------------------------------------------------ forward

    void forward(int l) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        StepSolution.LayerStep st = s.layers().get(l);
        doc.subheading("Layer " + (l + 1) + ": " + describe(l) + sampleNote());
        int[] is = spec.inShape(l);
        int[] os = spec.outShape(l);
        double[] x = in(l, 0);
        String u = name(l);
        String xin = l == 0 ? "x" : "out " + name(l - 1);
        switch (layer.kind()) {
            case CONV2D -> {
                int[] k = layer.kernel();
                int str = layer.stride();
                int p = layer.padding();
                doc.formula("net " + u + "_{o,i,j} = " + (layer.hasBias() ? "b_{o} + " : "") + "Σ_{c,u,v} w_{o,c,u,v} * " + xin
                        + "_{c, " + (str == 1 ? "i" : str + "i") + (p == 0 ? "" : " − " + p) + " + u, " + (str == 1 ? "j" : str + "j")
                        + (p == 0 ? "" : " − " + p) + " + v}\\note{a cross-correlation: the kernel slides over the input unflipped"
                        + (p > 0 ? "; taps in the padding are 0" : "") + "}");
                doc.prose("Each output position is the dot product of filter o with the window of the input under it"
                        + (k[1] > 1 ? ", summed over the " + k[1] + " input channels" : "") + ":");
                int shown = 0;
                for (int o = 0; o < os[0]; o++) {
                    for (int i = 0; i < os[1]; i++) {
                        for (int j = 0; j < os[2]; j++) {
                            if (shown++ >= MAX_LINES) continue;
                            List<String> terms = new ArrayList<>();
                            for (int c = 0; c < k[1]; c++) {
                                for (int a = 0; a < k[2]; a++) {
                                    for (int b = 0; b < k[3]; b++) {
                                        int y = i * str - p + a;
                                        int xx = j * str - p + b;
                                        boolean inside = y >= 0 && y < is[1] && xx >= 0 && xx < is[2];
                                        double v = inside ? x[(c * is[1] + y) * is[2] + xx] : 0;
                                        terms.add(fac(v) + "*" + fac(layer.weights()[o][(c * k[2] + a) * k[3] + b]));
                                    }
                                }
                            }
                            if (layer.hasBias()) terms.add(fac(layer.bias()[o]));
                            int y0 = i * str - p;
                            int x0 = j * str - p;
                            doc.eq("net " + at(u, o, i, j) + " = " + join(terms) + " = " + num(st.net()[0][(o * os[1] + i) * os[2] + j])
                                    + "\\note{window rows " + (y0 + 1) + "–" + (y0 + k[2]) + ", columns " + (x0 + 1) + "–" + (x0 + k[3])
                                    + (y0 < 0 || x0 < 0 || y0 + k[2] > is[1] || x0 + k[3] > is[2] ? "; outside 1–" + is[1] + " x 1–" + is[2] + " is padding" : "") + "}");
                        }
                    }
                }
                if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more positions in the tables)");
                doc.formula(layer.activation().formula() + "\\note{" + layer.activation().specName().replace('_', ' ') + ", element by element}");
                grids("net", st.net()[0], os);
                grids("out", st.output()[0], os);
            }
            case MAX_POOL2D, AVG_POOL2D -> {
                boolean max = layer.kind() == Kind.MAX_POOL2D;
                int[] k = layer.kernel();
                int str = layer.stride();
                int kk = k[0] * k[1];
                doc.formula("out " + u + "_{c,i,j} = " + (max ? "max_{u,v} " : "(1/" + kk + ")*Σ_{u,v} ") + xin + "_{c, "
                        + (str == 1 ? "i" : str + "i") + " + u, " + (str == 1 ? "j" : str + "j") + " + v}"
                        + (max ? "\\note{the largest input of each window wins; the first of equal ones}" : "\\note{each input of the window counts 1/" + kk + "}"));
                int shown = 0;
                for (int c = 0; c < os[0]; c++) {
                    for (int i = 0; i < os[1]; i++) {
                        for (int j = 0; j < os[2]; j++) {
                            if (shown++ >= MAX_LINES) continue;
                            List<String> vals = new ArrayList<>();
                            int win = -1;
                            double best = Double.NEGATIVE_INFINITY;
                            for (int a = 0; a < k[0]; a++) {
                                for (int b = 0; b < k[1]; b++) {
                                    int y = i * str + a;
                                    int xx = j * str + b;
                                    double v = x[(c * is[1] + y) * is[2] + xx];
                                    vals.add(max ? num(v) : fac(v));
                                    if (v > best) {
                                        best = v;
                                        win = a * k[1] + b;
                                    }
                                }
                            }
                            double out = st.output()[0][(c * os[1] + i) * os[2] + j];
                            if (max) {
                                int wy = i * str + win / k[1];
                                int wx = j * str + win % k[1];
                                doc.eq("out " + at(u, c, i, j) + " = max(" + String.join(", ", vals) + ") = " + num(out)
                                        + "\\note{the input at channel " + (c + 1) + ", row " + (wy + 1) + ", column " + (wx + 1) + " wins}");
                            } else {
                                doc.eq("out " + at(u, c, i, j) + " = (" + String.join(" + ", vals) + ")/" + kk + " = " + num(out));
                            }
                        }
                    }
                }
                if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the tables)");
                grids("out", st.output()[0], os);
            }
            case FLATTEN -> {
                if (is.length == 3) {
                    doc.formula("out " + u + "_{k} = " + xin + "_{c,i,j},\\quad k = (c − 1)*" + (is[1] * is[2]) + " + (i − 1)*" + is[2] + " + j"
                            + "\\note{channels, then rows, then columns: PyTorch's order}");
                } else {
                    doc.formula("out " + u + "_{k} = " + xin + "_{k}\\note{already flat}");
                }
                flatMap(l, "out", st.output()[0]);
            }
            case DENSE -> throw new IllegalStateException("dense layers are ExplainDoc's");
        }
    }

    /** The flatten's index map: k, where it came from, the value. */
    private void flatMap(int l, String what, double[] values) {
        int[] is = spec.inShape(l);
        List<List<String>> rows = new ArrayList<>();
        for (int k = 0; k < values.length; k++) {
            String from = is.length == 3 ? inValue(l, k / (is[1] * is[2]), k / is[2] % is[1], k % is[2]) : inValue(l, 0, 0, k);
            if (is.length != 3) from = (l == 0 ? "" : "out ") + Doc.sub(name(l - 1), k);
            rows.add(List.of(Doc.sub(name(l), k), from, num(values[k])));
        }
        doc.table(List.of("k", "from", what), rows);
    }

    // ------------------------------------------------------------------------------ backward

    /**
     * ∂L/∂out of layer l (a hidden layer) from the layer above it when that is an image layer:
     * through a convolution (each input collects the gradient of every window that holds it), a
     * pooling (the max window's winner alone; the average's 1/k² to each) or a flatten (the index
     * map read back).
     */
    void gradientFromAbove(int l) {
        int n = l + 1;
        NetworkSpec.Layer next = spec.layers().get(n);
        StepSolution.LayerStep here = s.layers().get(l);
        StepSolution.LayerStep up = s.layers().get(n);
        int[] is = spec.outShape(l);
        String u = name(l);
        String v = name(n);
        double[] og = here.outputGrad()[0];
        switch (next.kind()) {
            case FLATTEN -> {
                doc.formula("∂L/∂out " + u + "_{c,i,j} = ∂L/∂out " + v + "_{k}\\note{the flatten's index map read back}");
                List<List<String>> rows = new ArrayList<>();
                for (int k = 0; k < og.length && is.length == 3; k++) {
                    rows.add(List.of(Doc.sub(v, k), at(u, k / (is[1] * is[2]), k / is[2] % is[1], k % is[2]), num(up.outputGrad()[0][k])));
                }
                if (!rows.isEmpty()) doc.table(List.of("k", "to", "∂L/∂out"), rows);
            }
            case MAX_POOL2D, AVG_POOL2D -> {
                boolean max = next.kind() == Kind.MAX_POOL2D;
                int[] k = next.kernel();
                int str = next.stride();
                int[] os = spec.outShape(n);
                int kk = k[0] * k[1];
                double[] x = here.output()[0];
                double[] g = up.outputGrad()[0];
                if (max) {
                    doc.formula("∂L/∂out " + u + "_{c,y,x} = Σ_{\\text{windows it wins}} ∂L/∂out " + v + "_{c,i,j}"
                            + "\\note{the gradient of a max goes to the input that won the window, and to it alone; the others get 0}");
                } else {
                    doc.formula("∂L/∂out " + u + "_{c,y,x} = Σ_{\\text{windows holding it}} ∂L/∂out " + v + "_{c,i,j} / " + kk
                            + "\\note{each input of an average's window gets its share, 1/" + kk + "}");
                }
                List<List<String>> terms = new ArrayList<>();
                for (int i = 0; i < og.length; i++) terms.add(new ArrayList<>());
                for (int c = 0; c < os[0]; c++) {
                    for (int i = 0; i < os[1]; i++) {
                        for (int j = 0; j < os[2]; j++) {
                            double gv = g[(c * os[1] + i) * os[2] + j];
                            int win = -1;
                            double best = Double.NEGATIVE_INFINITY;
                            for (int a = 0; a < k[0]; a++) {
                                for (int b = 0; b < k[1]; b++) {
                                    int idx = (c * is[1] + i * str + a) * is[2] + j * str + b;
                                    if (max) {
                                        if (x[idx] > best) {
                                            best = x[idx];
                                            win = idx;
                                        }
                                    } else {
                                        terms.get(idx).add(fac(gv) + "/" + kk);
                                    }
                                }
                            }
                            if (max && win >= 0) terms.get(win).add(fac(gv) + "\\text{ (window " + (i + 1) + "," + (j + 1) + ")}");
                        }
                    }
                }
                int shown = 0;
                for (int idx = 0; idx < og.length; idx++) {
                    if (shown++ >= MAX_LINES) continue;
                    int c = idx / (is[1] * is[2]);
                    String rhs = terms.get(idx).isEmpty() ? (max ? "0\\text{ (wins no window)}" : "0\\text{ (in no window)}") : join(terms.get(idx)) + " = " + num(og[idx]);
                    doc.eq("∂L/∂out " + at(u, c, idx / is[2] % is[1], idx % is[2]) + " = " + rhs);
                }
                if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the tables)");
            }
            case CONV2D -> {
                int[] k = next.kernel();
                int str = next.stride();
                int p = next.padding();
                int[] os = spec.outShape(n);
                double[] d = up.netGrad()[0];
                doc.formula("∂L/∂out " + u + "_{c,y,x} = Σ_{o,i,j} ∂L/∂net " + v + "_{o,i,j} * w_{o,c,u,v},\\quad u = y − " + (str == 1 ? "i" : str + "i")
                        + (p == 0 ? "" : " + " + p) + ", v = x − " + (str == 1 ? "j" : str + "j") + (p == 0 ? "" : " + " + p)
                        + "\\note{every window that holds the input sends back its gradient times the weight that met it: the transposed convolution}");
                int shown = 0;
                for (int c = 0; c < is[0]; c++) {
                    for (int y = 0; y < is[1]; y++) {
                        for (int x = 0; x < is[2]; x++) {
                            if (shown++ >= MAX_LINES) continue;
                            List<String> terms = new ArrayList<>();
                            for (int o = 0; o < os[0]; o++) {
                                for (int i = 0; i < os[1]; i++) {
                                    for (int j = 0; j < os[2]; j++) {
                                        int a = y - i * str + p;
                                        int b = x - j * str + p;
                                        if (a < 0 || a >= k[2] || b < 0 || b >= k[3]) continue;
                                        terms.add(fac(d[(o * os[1] + i) * os[2] + j]) + "*" + fac(next.weights()[o][(c * k[2] + a) * k[3] + b]));
                                    }
                                }
                            }
                            doc.eq("∂L/∂out " + at(u, c, y, x) + " = " + join(terms) + " = " + num(og[(c * is[1] + y) * is[2] + x]));
                        }
                    }
                }
                if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the tables)");
            }
            case DENSE -> throw new IllegalStateException("dense layers are ExplainDoc's");
        }
        if (is.length == 3) grids("∂L/∂out", og, is);
    }

    /** A convolution's own backward: ∂L/∂net through the activation, the kernel gradient as a correlation, the bias gradient. */
    void convBackward(int l) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        StepSolution.LayerStep st = s.layers().get(l);
        int[] os = spec.outShape(l);
        int[] is = spec.inShape(l);
        int[] k = layer.kernel();
        int str = layer.stride();
        int p = layer.padding();
        String u = name(l);
        doc.formula(layer.activation().derivativeFormula() + ";\\quad∂L/∂net " + u + "_{o,i,j} = ∂L/∂out " + u + "_{o,i,j} * f'(net " + u + "_{o,i,j})");
        int shown = 0;
        for (int idx = 0; idx < os[0] * os[1] * os[2]; idx++) {
            if (shown++ >= MAX_LINES) continue;
            doc.eq("∂L/∂net " + at(u, idx / (os[1] * os[2]), idx / os[2] % os[1], idx % os[2]) + " = " + fac(st.outputGrad()[0][idx]) + "*"
                    + fac(st.localGrad()[0][idx]) + " = " + num(st.netGrad()[0][idx]));
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the tables)");
        grids("∂L/∂net", st.netGrad()[0], os);
        boolean batch = spec.batch() > 1;
        String xin = l == 0 ? "x" : "out " + name(l - 1);
        doc.formula("∂L/∂w_{o,c,u,v} = Σ_{" + (batch ? "\\text{samples}, " : "") + "i,j} ∂L/∂net " + u + "_{o,i,j} * " + xin + "_{c, "
                + (str == 1 ? "i" : str + "i") + (p == 0 ? "" : " − " + p) + " + u, " + (str == 1 ? "j" : str + "j") + (p == 0 ? "" : " − " + p) + " + v}"
                + "\\note{the correlation of the input with the gradient from above: the gradient slides over the input as the kernel did}");
        shown = 0;
        for (int o = 0; o < k[0]; o++) {
            for (int c = 0; c < k[1]; c++) {
                for (int a = 0; a < k[2]; a++) {
                    for (int b = 0; b < k[3]; b++) {
                        if (shown++ >= MAX_LINES) continue;
                        List<String> terms = new ArrayList<>();
                        for (int n = 0; n < spec.batch(); n++) {
                            double[] x = in(l, n);
                            double[] d = st.netGrad()[n];
                            for (int i = 0; i < os[1]; i++) {
                                for (int j = 0; j < os[2]; j++) {
                                    int y = i * str - p + a;
                                    int xx = j * str - p + b;
                                    if (y < 0 || y >= is[1] || xx < 0 || xx >= is[2]) continue;
                                    terms.add(fac(d[(o * os[1] + i) * os[2] + j]) + "*" + fac(x[(c * is[1] + y) * is[2] + xx]));
                                }
                            }
                        }
                        doc.eq("∂L/∂" + weight(l, o, c, a, b) + " = " + join(terms) + " = " + num(st.weightsGrad()[o][(c * k[2] + a) * k[3] + b]));
                    }
                }
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the table)");
        kernelTables("∂L/∂W", l, st.weightsGrad());
        if (layer.hasBias()) {
            doc.formula("∂L/∂b_{o} = Σ_{" + (batch ? "\\text{samples}, " : "") + "i,j} ∂L/∂net " + u + "_{o,i,j}\\note{every position of the filter's map}");
            for (int o = 0; o < k[0]; o++) {
                List<String> terms = new ArrayList<>();
                for (int n = 0; n < spec.batch(); n++) {
                    for (int q = 0; q < os[1] * os[2]; q++) terms.add(fac(st.netGrad()[n][o * os[1] * os[2] + q]));
                }
                doc.eq("∂L/∂b_{" + (o + 1) + "} = " + join(terms) + " = " + num(st.biasGrad()[o]));
            }
        }
    }

    /** A convolution's weights (or their gradient, or the updated ones) as one table per filter and channel. */
    void kernelTables(String what, int l, double[][] flatW) {
        int[] k = spec.layers().get(l).kernel();
        for (int o = 0; o < k[0]; o++) {
            for (int c = 0; c < k[1]; c++) {
                List<String> header = new ArrayList<>(List.of(what + " filter " + (o + 1) + ", channel " + (c + 1)));
                for (int b = 0; b < k[3]; b++) header.add("v = " + (b + 1));
                List<List<String>> rows = new ArrayList<>();
                for (int a = 0; a < k[2]; a++) {
                    List<String> r = new ArrayList<>(List.of("u = " + (a + 1)));
                    for (int b = 0; b < k[3]; b++) r.add(num(flatW[o][(c * k[2] + a) * k[3] + b]));
                    rows.add(r);
                }
                doc.table(header, rows);
            }
        }
    }

    /** A convolution's SGD update, weight by weight. */
    void update(int l) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        StepSolution.LayerStep st = s.layers().get(l);
        int[] k = layer.kernel();
        double lr = spec.learningRate();
        int shown = 0;
        for (int o = 0; o < k[0]; o++) {
            for (int c = 0; c < k[1]; c++) {
                for (int a = 0; a < k[2]; a++) {
                    for (int b = 0; b < k[3]; b++) {
                        if (shown++ >= MAX_LINES) continue;
                        int q = (c * k[2] + a) * k[3] + b;
                        doc.eq(weight(l, o, c, a, b) + " = " + num(layer.weights()[o][q]) + " − " + num(lr) + "*" + fac(st.weightsGrad()[o][q])
                                + " = " + num(st.weightsUpdated()[o][q]));
                    }
                }
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the table)");
        kernelTables("W", l, st.weightsUpdated());
        if (layer.hasBias()) {
            for (int o = 0; o < k[0]; o++) {
                doc.eq(Doc.sub("b", o) + " = " + num(layer.bias()[o]) + " − " + num(lr) + "*" + fac(st.biasGrad()[o]) + " = " + num(st.biasUpdated()[o]));
            }
        }
    }
}
