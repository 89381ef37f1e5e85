package io.backprop4j.explain;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Values of a training step as a person wrote them: any subset of the quantities of a
 * {@link StepSolution}, each number with the count of decimals it was written with.
 *
 * @param loss the written loss, or null
 * @param layers per layer, the fields given (missing layers are empty maps); per-sample fields are
 *     [batch][units], bias fields one row; an element may be null (left blank). A field written
 *     nested deeper than two levels (a feature map, a kernel) is one row of its values in
 *     row-major order, with its written shape in {@code shapes}
 * @param shapes per layer, the written shape of each field nested deeper than two levels
 *     (C x H x W, N x C x H x W, out x in x kh x kw); {@link #conform} lays them out as the solution does
 */
public record Answers(Written loss, List<Map<Field, Written[][]>> layers, List<Map<Field, int[]>> shapes) {

    /** Answers written as matrices and vectors only. */
    public Answers(Written loss, List<Map<Field, Written[][]>> layers) {
        this(loss, layers, List.of());
    }

    /** A number as written: its value, and its decimals ({@code 0.0813} has 4, {@code 1.5e-3} has 4). */
    public record Written(double value, int decimals) {
        /**
         * Reads the decimals off a number's text: digits after the point, plus the negative
         * exponent; never below 0.
         */
        public static Written parse(String text) {
            String t = text.strip();
            double v = Double.parseDouble(t.replace("_", ""));
            return new Written(v, decimalsOf(t));
        }

        /** The most decimals counted: beyond them a number is far below the absolute floor of the tolerance. */
        public static final int MAX_DECIMALS = 20;

        /**
         * The decimals a number's text carries (digits after the point, plus the negative
         * exponent), at least 0 and at most {@link #MAX_DECIMALS}. The exponent saturates, so
         * {@code 1e-2147483648} has 20 decimals, not an overflowed count.
         */
        public static int decimalsOf(String text) {
            String t = text.strip().toLowerCase(java.util.Locale.ROOT);
            int e = t.indexOf('e');
            long exp = 0;
            if (e >= 0) {
                exp = exponent(t.substring(e + 1));
                t = t.substring(0, e);
            }
            int dot = t.indexOf('.');
            long frac = dot < 0 ? 0 : t.length() - dot - 1;
            return (int) Math.max(0, Math.min(MAX_DECIMALS, frac - exp));
        }

        /** An exponent's value, saturated at ±10⁹ (0 for text that is not one). */
        private static long exponent(String s) {
            String d = s.startsWith("+") || s.startsWith("-") ? s.substring(1) : s;
            d = d.replace("_", "");
            if (d.isEmpty() || !d.chars().allMatch(Character::isDigit)) return 0;
            d = d.replaceFirst("^0+(?=.)", "");
            long v = d.length() > 9 ? 1_000_000_000L : Long.parseLong(d);
            return s.startsWith("-") ? -v : v;
        }
    }

    public Answers {
        List<Map<Field, Written[][]>> copy = new ArrayList<>();
        for (Map<Field, Written[][]> m : layers) {
            copy.add(m == null || m.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(m)));
        }
        layers = List.copyOf(copy);
        List<Map<Field, int[]>> sc = new ArrayList<>();
        for (Map<Field, int[]> m : shapes == null ? List.<Map<Field, int[]>>of() : shapes) {
            sc.add(m == null || m.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(m)));
        }
        shapes = List.copyOf(sc);
    }

    /** The written shape of a field nested deeper than two levels, or null. */
    public int[] shape(int layer, Field field) {
        return layer < shapes.size() ? shapes.get(layer).get(field) : null;
    }

    /**
     * These answers laid out as the solution keeps its values ([batch][C·H·W] per sample,
     * [out][in·kh·kw] for a kernel), after checking every given field's shape
     * ({@link #checkShapes}); a nested field must have the shape {@code explain --format json}
     * writes.
     */
    public Answers conform(StepSolution solution) {
        NetworkSpec spec = solution.spec();
        if (layers.size() > spec.layers().size()) {
            throw new SpecException("layers", "the answers have " + layers.size() + " layers, the network has " + spec.layers().size());
        }
        List<Map<Field, Written[][]>> out = new ArrayList<>();
        for (int l = 0; l < layers.size(); l++) {
            Map<Field, Written[][]> m = new EnumMap<>(Field.class);
            for (Map.Entry<Field, Written[][]> e : layers.get(l).entrySet()) {
                Field f = e.getKey();
                int[] written = shape(l, f);
                double[][] truth = solution.layers().get(l).get(f);
                if (f.stepwise() && truth != null && e.getValue().length <= truth.length) {
                    // the steps a person left out (or wrote without this key) are blank
                    Written[][] rows = new Written[truth.length][];
                    for (int t = 0; t < rows.length; t++) {
                        Written[] r = t < e.getValue().length ? e.getValue()[t] : null;
                        boolean blank = r == null || java.util.Arrays.stream(r).allMatch(java.util.Objects::isNull);
                        rows[t] = blank ? new Written[truth[t].length] : r;
                        if (rows[t].length != truth[t].length) {
                            int[] d = spec.shape(l, f, false);
                            throw new SpecException("layers[" + l + "].steps[" + t + "]." + f.stepKey(), "has " + rows[t].length + " values, but a step's part is "
                                    + NetworkSpec.str(java.util.Arrays.copyOfRange(d, 1, d.length)) + " ("
                                    + layout(spec, l, f).substring("steps x ".length()) + ")");
                        }
                    }
                    e = Map.entry(f, rows);
                }
                boolean overSteps = spec.layers().get(l).kind() == NetworkSpec.Kind.RNN || spec.everyStep(l);
                if (written == null && truth != null && overSteps && f.perSample()
                        && !spec.batched() && rectangular(e.getValue())
                        && !(e.getValue().length == truth.length && e.getValue()[0].length == truth[0].length)) {
                    // one sequence: steps x hidden (steps x units) as written, one row of values as the solution keeps it
                    written = new int[] {e.getValue().length, e.getValue()[0].length};
                    e = Map.entry(f, new Written[][] {java.util.Arrays.stream(e.getValue()).flatMap(java.util.Arrays::stream).toArray(Written[]::new)});
                }
                if (written == null || truth == null) {
                    m.put(f, e.getValue());
                    continue;
                }
                int[] want = spec.shape(l, f, spec.batched());
                if (!java.util.Arrays.equals(written, want)) {
                    throw new SpecException("layers[" + l + "]." + f.key(), "is " + NetworkSpec.str(written) + ", but the network's is "
                            + NetworkSpec.str(want) + " (" + layout(spec, l, f) + ")");
                }
                Written[] flat = e.getValue()[0];
                int cols = truth[0].length;
                Written[][] rows = new Written[truth.length][cols];
                for (int i = 0; i < flat.length; i++) rows[i / cols][i % cols] = flat[i];
                m.put(f, rows);
            }
            out.add(m);
        }
        Answers a = new Answers(loss, out);
        a.checkShapes(solution);
        return a;
    }

    private static boolean rectangular(Written[][] w) {
        if (w.length == 0 || w[0] == null) return false;
        for (Written[] r : w) if (r == null || r.length != w[0].length) return false;
        return true;
    }

    /** What the dimensions of a field are, in words. */
    static String layout(NetworkSpec spec, int l, Field f) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        if (f.stepwise()) return f == Field.STEP_BIAS_GRAD ? "steps x hidden" : f == Field.STEP_WEIGHTS_GRAD ? "steps x hidden x features" : "steps x hidden x hidden";
        if (f.bias()) return "one per " + (layer.kind() == NetworkSpec.Kind.CONV2D ? "output channel" : layer.kind() == NetworkSpec.Kind.RNN ? "hidden unit" : "unit");
        if (f.recurrent()) return "hidden x hidden";
        if (!f.perSample()) return layer.kind() == NetworkSpec.Kind.CONV2D ? "out x in x kh x kw" : layer.kind() == NetworkSpec.Kind.RNN ? "hidden x features" : "inputs x units";
        String one = spec.outShape(l).length == 3 ? "channels x height x width" : spec.outShape(l).length == 2
                ? (spec.everyStep(l) ? "steps x units" : "steps x hidden") : "units";
        return spec.batched() ? "samples x " + one : one;
    }

    /** The written values of a field of a layer, or null. */
    public Written[][] get(int layer, Field field) {
        return layer < layers.size() ? layers.get(layer).get(field) : null;
    }

    /**
     * Checks that every given field has the network's shape.
     *
     * @throws SpecException naming the field, the shape found and the one expected
     */
    public void checkShapes(StepSolution solution) {
        NetworkSpec spec = solution.spec();
        if (layers.size() > spec.layers().size()) {
            throw new SpecException("layers", "the answers have " + layers.size() + " layers, the network has "
                    + spec.layers().size());
        }
        for (int l = 0; l < layers.size(); l++) {
            StepSolution.LayerStep step = solution.layers().get(l);
            for (Map.Entry<Field, Written[][]> e : layers.get(l).entrySet()) {
                Field f = e.getKey();
                String path = "layers[" + l + "]." + f.key();
                double[][] truth = step.get(f);
                if (truth == null) {
                    NetworkSpec.Layer layer = spec.layers().get(l);
                    String why = f.stepwise() && layer.kind() != NetworkSpec.Kind.RNN ? "layer " + l + " is not an rnn layer: it has no steps"
                            : f == Field.STEP_BIAS_GRAD ? "layer " + l + " has no bias_ih or bias_hh"
                            : !layer.kind().weighted() ? "layer " + l + " is a " + layer.kind().specName() + " layer: it has output and output_grad only"
                            : f.recurrent() && layer.kind() != NetworkSpec.Kind.RNN ? "layer " + l + " is not an rnn layer: it has no weights_hh"
                            : f == Field.BIAS_HH_GRAD || f == Field.BIAS_HH_UPDATED ? "layer " + l + " has no bias_hh"
                            : f.bias() && !layer.hasBias() ? "layer " + l + " has no bias" + (layer.kind() == NetworkSpec.Kind.RNN ? "_ih" : "")
                            : "the spec has no learning_rate, so there is no update";
                    throw new SpecException(path, "given, but " + why);
                }
                Written[][] w = e.getValue();
                boolean ok = w.length == truth.length;
                for (int i = 0; ok && i < w.length; i++) ok = w[i] != null && w[i].length == truth[i].length;
                if (!ok) {
                    String hint = "";
                    if (w.length == truth[0].length && truth.length > 1 && w.length > 0 && w[0] != null
                            && w[0].length == truth.length && truth.length != truth[0].length) {
                        hint = "; transposed? matrices are inputs x units: row i holds the weights leaving input i";
                    }
                    String theirs = spec.dense() ? describe(truth, f, spec)
                            : NetworkSpec.str(spec.shape(l, f, spec.batched())) + " (" + layout(spec, l, f) + ")";
                    throw new SpecException(path, "is " + describe(w, f, spec) + ", but the network's is " + theirs + hint);
                }
            }
        }
    }

    private static String describe(Object[] m, Field f, NetworkSpec spec) {
        if (m.length == 0) return "empty";
        Object[] r0 = (Object[]) m[0];
        return describeShape(m.length, r0 == null ? 0 : r0.length, f, spec, isRagged(m));
    }

    private static String describe(double[][] m, Field f, NetworkSpec spec) {
        return describeShape(m.length, m[0].length, f, spec, false);
    }

    private static boolean isRagged(Object[] m) {
        int n = m[0] == null ? -1 : ((Object[]) m[0]).length;
        for (Object r : m) if (r == null || ((Object[]) r).length != n) return true;
        return false;
    }

    private static String describeShape(int rows, int cols, Field f, NetworkSpec spec, boolean ragged) {
        if (ragged) return rows + " ragged rows";
        if (!spec.dense()) return rows == 1 ? cols + " values" : rows + " x " + cols;
        if (f.bias() || (f.perSample() && !spec.batched() && rows == 1)) return cols + " values";
        if (f.perSample()) return rows + " x " + cols + " (samples x units)";
        return rows + " x " + cols + " (inputs x units)";
    }
}
