package io.backprop4j.explain;

import static io.backprop4j.explain.Doc.sub;

import io.backprop4j.nn.Softmax;
import java.util.ArrayList;
import java.util.List;

/**
 * The chain rule for one weight, as a {@link Doc}: its gradient from the layer's ∂L/∂net, that
 * from the layer above, and, when there are few enough, every path from the loss back to the
 * weight with the product of the local derivatives along it (the engine's recorded factors:
 * ∂L/∂out of the output layer, f'(net) or the softmax Jacobian, the weights), whose sum over paths
 * and samples is the gradient.
 */
final class ChainRule {
    /** Paths times samples beyond this are left to the layer-by-layer form. */
    static final int MAX_PATHS = 12;

    /** One factor of a path: its name in the markup and its value. */
    record Factor(String name, double value) {}

    /** One path for one sample: the factors from the loss back to the weight, and their product. */
    record Path(int sample, List<Factor> factors, double product) {}

    private final StepSolution s;
    private final NetworkSpec spec;
    private final int last;

    /** Numbers as {@link Doc#num} and {@link Doc#fac} write them, each worked out once: a page repeats them often. */
    private final java.util.Map<Double, String> nums = new java.util.HashMap<>();

    private String num(double v) {
        return nums.computeIfAbsent(v, Doc::num);
    }

    private String fac(double v) {
        String t = num(v);
        return t.startsWith("-") ? "(" + t + ")" : t;
    }

    ChainRule(StepSolution s) {
        this.s = s;
        this.spec = s.spec();
        this.last = spec.layers().size() - 1;
    }

    /** The number of paths from the loss back to a weight of layer l, per sample (saturated at MAX_VALUE). */
    long pathCount(int l) {
        long n = 1;
        try {
            for (int k = l; k <= last; k++) {
                NetworkSpec.Layer layer = spec.layers().get(k);
                if (layer.activation() instanceof Softmax) n = Math.multiplyExact(n, layer.units());
                if (k > l) n = Math.multiplyExact(n, layer.units());
            }
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
        return n;
    }

    /**
     * Every path from the loss back to weight (l, i, j) for every sample, or null when there are
     * more than {@link #MAX_PATHS} (or a softmax too wide for its Jacobian to be recorded).
     */
    List<Path> paths(int l, int i, int j) {
        long count = pathCount(l);
        if (count > MAX_PATHS || count * spec.batch() > MAX_PATHS) return null;
        for (int k = l; k <= last; k++) {
            if (spec.layers().get(k).activation() instanceof Softmax && s.layers().get(k).jacobian() == null) return null;
        }
        List<Path> out = new ArrayList<>();
        for (int b = 0; b < spec.batch(); b++) {
            List<Factor> start = new ArrayList<>();
            start.add(new Factor(HtmlPage.inputName(spec, l, i), in(l, b)[i]));
            walk(b, l, j, start, out);
        }
        return out;
    }

    /** From the net input of unit k of layer l onwards; {@code f} holds the factors so far, from the weight outwards. */
    private void walk(int b, int l, int k, List<Factor> f, List<Path> out) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        StepSolution.LayerStep st = s.layers().get(l);
        String u = ExplainDoc.unitName(l, last);
        boolean softmax = layer.activation() instanceof Softmax;
        for (int m = 0; m < layer.units(); m++) {
            if (!softmax && m != k) continue;
            List<Factor> g = new ArrayList<>(f);
            if (softmax) g.add(new Factor("∂out " + sub(u, m) + "/∂net " + sub(u, k), st.jacobian()[b][m][k]));
            else g.add(new Factor("f'(net " + sub(u, k) + ")", st.localGrad()[b][k]));
            if (l == last) {
                g.add(new Factor("∂L/∂out " + sub(u, m), st.outputGrad()[b][m]));
                List<Factor> fromLoss = new ArrayList<>(g.reversed());
                double p = 1;
                for (Factor x : fromLoss) p *= x.value();
                out.add(new Path(b, fromLoss, p));
            } else {
                NetworkSpec.Layer next = spec.layers().get(l + 1);
                for (int n = 0; n < next.units(); n++) {
                    List<Factor> h = new ArrayList<>(g);
                    h.add(new Factor(HtmlPage.weightName(spec, l + 1, m, n), next.weights()[m][n]));
                    walk(b, l + 1, n, h, out);
                }
            }
        }
    }

    private double[] in(int l, int b) {
        return l == 0 ? spec.input()[b] : s.layers().get(l - 1).output()[b];
    }

    /** The chain rule for weight (l, i, j). */
    Doc doc(int l, int i, int j) {
        Doc doc = new Doc();
        NetworkSpec.Layer layer = spec.layers().get(l);
        StepSolution.LayerStep st = s.layers().get(l);
        String u = ExplainDoc.unitName(l, last);
        String w = HtmlPage.weightName(spec, l, i, j);
        String x = HtmlPage.inputName(spec, l, i);
        int batch = spec.batch();
        String sum = batch > 1 ? "Σ_{\\text{samples}} " : "";
        // the weight's gradient
        doc.formula("∂L/∂" + w + " = " + sum + "∂L/∂net " + sub(u, j) + " * " + x);
        List<String> terms = new ArrayList<>();
        for (int b = 0; b < batch; b++) terms.add(fac(st.netGrad()[b][j]) + "*" + fac(in(l, b)[i]));
        doc.eq("∂L/∂" + w + " = " + String.join(" + ", terms) + " = " + num(st.weightsGrad()[i][j]));
        String one = batch > 1 ? "\\note{sample 1}" : "";
        // ∂L/∂net of the unit
        double[] og = st.outputGrad()[0];
        if (layer.activation() instanceof Softmax && st.jacobian() != null) {
            List<String> t = new ArrayList<>();
            for (int m = 0; m < layer.units(); m++) t.add(fac(og[m]) + "*" + fac(st.jacobian()[0][m][j]));
            doc.eq("∂L/∂net " + sub(u, j) + " = Σ_{m} ∂L/∂out " + u + "_{m} * ∂out " + u + "_{m}/∂net " + sub(u, j) + " = "
                    + String.join(" + ", t) + " = " + num(st.netGrad()[0][j]) + one);
        } else if (st.localGrad() != null) {
            doc.eq("∂L/∂net " + sub(u, j) + " = ∂L/∂out " + sub(u, j) + " * f'(net " + sub(u, j) + ") = " + fac(og[j]) + "*"
                    + fac(st.localGrad()[0][j]) + " = " + num(st.netGrad()[0][j]) + one);
        }
        // ∂L/∂out of the unit, from the layer above (or the loss)
        if (l == last) {
            doc.eq("∂L/∂out " + sub(u, j) + " = " + num(og[j]) + one + "\\note{the loss's gradient}");
        } else {
            NetworkSpec.Layer next = spec.layers().get(l + 1);
            String v = ExplainDoc.unitName(l + 1, last);
            double[] d = s.layers().get(l + 1).netGrad()[0];
            List<String> t = new ArrayList<>();
            for (int k = 0; k < next.units(); k++) t.add(fac(d[k]) + "*" + fac(next.weights()[j][k]));
            if (t.size() > 8) t = List.of(String.join(" + ", t.subList(0, 6)), "…", t.getLast());
            doc.eq("∂L/∂out " + sub(u, j) + " = Σ_{k} ∂L/∂net " + v + "_{k} * " + weightName(spec, l + 1, j) + " = "
                    + String.join(" + ", t) + " = " + num(og[j]) + one);
        }
        List<Path> paths = paths(l, i, j);
        if (paths != null) {
            doc.prose("Along each of the " + paths.size() + " path" + (paths.size() == 1 ? "" : "s") + " from the loss back to $" + w + "$"
                    + (batch > 1 ? " (every path, every sample)" : "") + ", the product of the local derivatives; their sum is the gradient:");
            double total = 0;
            for (Path p : paths) {
                List<String> names = new ArrayList<>();
                List<String> values = new ArrayList<>();
                for (Factor f : p.factors()) {
                    names.add(f.name());
                    values.add(fac(f.value()));
                }
                doc.eq(String.join(" * ", names) + " = " + String.join("*", values) + " = " + num(p.product())
                        + (batch > 1 ? "\\note{sample " + (p.sample() + 1) + "}" : ""));
                total += p.product();
            }
            doc.eq("∂L/∂" + w + " = Σ_{\\text{paths}} = " + num(total));
        } else {
            long n = pathCount(l);
            String many = n > Integer.MAX_VALUE ? "" : " (" + n + (batch > 1 ? " per sample" : "") + ")";
            doc.prose("The paths from the loss back to $" + w + "$ are too many to list" + many
                    + ": the backward pass sums them layer by layer.");
        }
        return doc;
    }

    /** w of layer l+1 leaving unit j, for any unit: {@code w^{(2)}_{jk}}. */
    private static String weightName(NetworkSpec spec, int l, int j) {
        String base = spec.layers().size() == 1 ? "w" : "w^{(" + (l + 1) + ")}";
        return base + "_{" + (j + 1) + (j >= 9 ? "," : "") + "k}";
    }
}
