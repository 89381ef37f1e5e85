package io.backprop4j.explain;

import io.backprop4j.BackpropException;
import io.backprop4j.explain.Answers.Written;
import io.backprop4j.explain.Diagnosis.Kind;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Grades a hand-worked training step against the engine's {@link StepSolution}, number by number,
 * and names the mistake behind each wrong number when it recognises one.
 *
 * <h2>When a number is correct</h2>
 * A number written with {@code d} decimals is correct when it is within the tolerance of the true
 * value, or of the true value rounded or truncated to {@code d} decimals; the tolerance is
 * {@code max(rel·|true|, 1e-6)} with {@code rel} 1e-3 unless given. Updated weights are judged by
 * the step they imply, {@code (old − new)/η}, against the gradient, so a wrong gradient cannot hide
 * in the digits of a large weight.
 *
 * <h2>Diagnoses</h2>
 * The grader walks the quantities in the order a person works them (forward: net and output per
 * layer; the loss; backward from the last layer: output_grad, net_grad, weights_grad, bias_grad;
 * then the updates) and keeps, beside the truth, the person's own values: each written number,
 * and each unwritten one worked correctly from the person's earlier numbers. A wrong number is
 * then matched against hypotheses: computed correctly from the person's own wrong values
 * (carried over); sign flipped; transposed; a factor off; gradient added; another activation or
 * loss; a chain-rule term left out (for softmax, the coupling between outputs); a slipped digit.
 * The hypotheses are a plain-double model of the mistakes, not a second source of truth: the
 * truth is the engine's.
 */
public final class Grader {
    /** The default relative tolerance. */
    public static final double DEFAULT_TOLERANCE = 1e-3;
    /** The absolute floor of the tolerance. */
    public static final double ABSOLUTE_FLOOR = 1e-6;

    /**
     * One graded number.
     *
     * @param path such as {@code layers[1].weights_grad[0][1]} (0-based) or {@code loss}
     * @param layer the layer, or -1 for the loss
     * @param field the field, or null for the loss
     * @param row the row (sample or input), 0 for the loss and bias fields
     * @param col the column (unit)
     * @param given the number written
     * @param decimals the decimals it was written with
     * @param expected the true value
     * @param correct whether it is judged correct
     * @param diagnosis the recognised mistake, or null (when correct, or when none matches)
     */
    public record Entry(String path, int layer, Field field, int row, int col, double given, int decimals,
                        double expected, boolean correct, Diagnosis diagnosis) {
        /** The quantity's name, such as {@code layers[1].weights_grad} or {@code loss}. */
        public String quantity() {
            return field == null ? "loss" : "layers[" + layer + "]." + field.key();
        }
    }

    /**
     * The grading of an answers file.
     *
     * @param solution the truth
     * @param entries every given number in working order
     * @param firstMistake the first wrong number that is not carried over from an earlier one, or null
     * @param tolerance the relative tolerance used
     */
    public record Report(StepSolution solution, List<Entry> entries, Entry firstMistake, double tolerance) {
        public Report {
            entries = List.copyOf(entries);
        }

        public long correctCount() {
            return entries.stream().filter(Entry::correct).count();
        }

        public long wrongCount() {
            return entries.size() - correctCount();
        }

        public boolean allCorrect() {
            return wrongCount() == 0;
        }

        /** The wrong entries, the first mistake first, then in working order. */
        public List<Entry> mistakes() {
            List<Entry> out = new ArrayList<>();
            if (firstMistake != null) out.add(firstMistake);
            for (Entry e : entries) if (!e.correct() && e != firstMistake) out.add(e);
            return out;
        }
    }

    private final StepSolution truth;
    private final NetworkSpec spec;
    private final Answers answers;
    private final double rel;
    private final int layers;
    private final int batch;
    private final Double lr;
    /** The person's values: written where written, else worked from earlier ones. */
    private final Map<String, double[][]> own = new HashMap<>();
    /** Per element of the person's values, the first wrong written number it came from (or null). */
    private final Map<String, Origin[][]> origins = new HashMap<>();

    private record Origin(String path, int order) {}

    private Grader(StepSolution truth, Answers answers, double rel) {
        this.truth = truth;
        this.spec = truth.spec();
        this.answers = answers;
        this.rel = rel;
        this.layers = spec.layers().size();
        this.batch = spec.batch();
        this.lr = spec.learningRate();
    }

    /** Grades with the default tolerance. */
    public static Report grade(StepSolution truth, Answers answers) {
        return grade(truth, answers, DEFAULT_TOLERANCE);
    }

    /**
     * Grades the answers.
     *
     * @param tolerance relative tolerance, finite and ≥ 0
     * @throws SpecException when the answers' shapes differ from the network's
     */
    public static Report grade(StepSolution truth, Answers answers, double tolerance) {
        if (!(tolerance >= 0 && Double.isFinite(tolerance))) {
            throw new BackpropException("tolerance: found " + tolerance + ", expected a finite number >= 0 (such as 1e-3)");
        }
        answers.checkShapes(truth);
        return new Grader(truth, answers, tolerance).run();
    }

    // ------------------------------------------------------------------------------ walk

    private Report run() {
        List<Entry> entries = new ArrayList<>();
        int order = 0;
        for (int l = 0; l < layers; l++) {
            order = visit(l, Field.NET, order, entries);
            order = visit(l, Field.OUTPUT, order, entries);
        }
        order = visit(-1, null, order, entries);
        for (int l = layers - 1; l >= 0; l--) {
            for (Field f : new Field[] {Field.OUTPUT_GRAD, Field.NET_GRAD, Field.WEIGHTS_GRAD, Field.BIAS_GRAD}) {
                order = visit(l, f, order, entries);
            }
        }
        for (int l = 0; l < layers; l++) {
            order = visit(l, Field.WEIGHTS_UPDATED, order, entries);
            order = visit(l, Field.BIAS_UPDATED, order, entries);
        }
        Entry first = null;
        for (Entry e : entries) {
            if (!e.correct() && (e.diagnosis() == null || e.diagnosis().kind() != Kind.CARRIED_OVER)) {
                first = e;
                break;
            }
        }
        if (first == null) first = entries.stream().filter(e -> !e.correct()).findFirst().orElse(null);
        return new Report(truth, entries, first, rel);
    }

    private static String key(int l, Field f) {
        return f == null ? "loss" : l + "." + f.key();
    }

    private double[][] truthOf(int l, Field f) {
        return f == null ? new double[][] {{truth.loss()}} : truth.layers().get(l).get(f);
    }

    private Written[][] writtenOf(int l, Field f) {
        if (f == null) return answers.loss() == null ? null : new Written[][] {{answers.loss()}};
        return answers.get(l, f);
    }

    private int visit(int l, Field f, int order, List<Entry> entries) {
        double[][] t = truthOf(l, f);
        if (t == null) return order;
        double[][] model = compute(l, f, this::ownOf);
        Written[][] w = writtenOf(l, f);
        int rows = t.length;
        int cols = t[0].length;
        double[][] mine = new double[rows][cols];
        Origin[][] orig = new Origin[rows][cols];
        Map<Integer, List<Hypothesis>> hypotheses = new HashMap<>();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                Origin upstream = upstreamOrigin(l, f, r, c);
                Written given = w == null ? null : w[r][c];
                if (given == null) {
                    mine[r][c] = upstream == null ? t[r][c] : model[r][c];
                    orig[r][c] = upstream != null && !close(l, f, r, c, model[r][c], t[r][c]) ? upstream : null;
                    continue;
                }
                String path = path(l, f, r, c);
                boolean ok = matches(l, f, r, c, given, t[r][c]);
                Diagnosis d = null;
                if (!ok) {
                    d = diagnose(l, f, r, c, given, t, model, upstream, hypotheses);
                }
                entries.add(new Entry(path, l, f, r, c, given.value(), given.decimals(), t[r][c], ok, d));
                mine[r][c] = given.value();
                orig[r][c] = ok ? null : new Origin(path, order + r * cols + c);
            }
        }
        own.put(key(l, f), mine);
        origins.put(key(l, f), orig);
        return order + rows * cols;
    }

    private double[][] ownOf(int l, Field f) {
        return own.get(key(l, f));
    }

    private double[][] trueOf(int l, Field f) {
        return truthOf(l, f);
    }

    // ------------------------------------------------------------------------------ matching

    private double tol(double v) {
        return Math.max(rel * Math.abs(v), ABSOLUTE_FLOOR);
    }

    /** Whether a written number matches a candidate value (a weight for update fields). */
    private boolean matches(int l, Field f, int r, int c, Written g, double cand) {
        if (!Double.isFinite(cand)) return false;
        double t;
        if (f != null && f.update()) {
            double old = oldParam(l, f, r, c);
            t = lr * tol((old - cand) / lr);
        } else {
            t = tol(cand);
        }
        double v = g.value();
        if (Math.abs(v - cand) <= t) return true;
        return Math.abs(v - round(cand, g.decimals(), RoundingMode.HALF_UP)) <= t
                || Math.abs(v - round(cand, g.decimals(), RoundingMode.DOWN)) <= t;
    }

    /** Whether two candidate values are indistinguishable at the tolerance. */
    private boolean close(int l, Field f, int r, int c, double a, double b) {
        if (f != null && f.update()) {
            double old = oldParam(l, f, r, c);
            return Math.abs(a - b) <= lr * tol((old - b) / lr);
        }
        return Math.abs(a - b) <= tol(b);
    }

    private static double round(double v, int decimals, RoundingMode mode) {
        if (!Double.isFinite(v)) return v;
        return new BigDecimal(v).setScale(decimals, mode).doubleValue();
    }

    private double oldParam(int l, Field f, int r, int c) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        return f == Field.WEIGHTS_UPDATED ? layer.weights()[r][c] : layer.bias()[c];
    }

    // ------------------------------------------------------------------------------ diagnosis

    private record Hypothesis(Kind kind, String text, double[][] values) {}

    private Diagnosis diagnose(int l, Field f, int r, int c, Written g, double[][] t, double[][] model, Origin upstream,
                               Map<Integer, List<Hypothesis>> cache) {
        double e = t[r][c];
        if (upstream != null && !close(l, f, r, c, model[r][c], e) && matches(l, f, r, c, g, model[r][c])) {
            return new Diagnosis(Kind.CARRIED_OVER, "carried over: computed correctly from your own "
                    + upstream.path() + ", which is wrong", upstream.path());
        }
        List<Hypothesis> onTruth = cache.computeIfAbsent(0, k -> hypotheses(l, f, this::trueOf, t));
        for (Hypothesis h : onTruth) {
            double cand = h.values()[r][c];
            if (!close(l, f, r, c, cand, e) && matches(l, f, r, c, g, cand)) return new Diagnosis(h.kind(), h.text(), null);
        }
        if (upstream != null) {
            List<Hypothesis> onOwn = cache.computeIfAbsent(1, k -> hypotheses(l, f, this::ownOf, model));
            for (Hypothesis h : onOwn) {
                double cand = h.values()[r][c];
                if (!close(l, f, r, c, cand, e) && matches(l, f, r, c, g, cand)) {
                    return new Diagnosis(h.kind(), h.text() + ", applied to the value from your own " + upstream.path(),
                            upstream.path());
                }
            }
        }
        String slip = digitSlip(g, e);
        if (slip != null) return new Diagnosis(Kind.DIGIT_SLIP, "one digit differs from the true " + slip, null);
        if (upstream != null && !close(l, f, r, c, model[r][c], e)) {
            slip = digitSlip(g, model[r][c]);
            if (slip != null) {
                return new Diagnosis(Kind.DIGIT_SLIP, "one digit differs from " + slip + ", the value worked from your own "
                        + upstream.path(), upstream.path());
            }
        }
        if (nearly(g.value(), e)) {
            return new Diagnosis(Kind.CLOSE, "close to the true value (" + percent(g.value(), e)
                    + " off): a rounding or arithmetic slip", null);
        }
        if (upstream != null && !close(l, f, r, c, model[r][c], e) && nearly(g.value(), model[r][c])) {
            return new Diagnosis(Kind.CLOSE, "close to the value worked from your own " + upstream.path() + " ("
                    + percent(g.value(), model[r][c]) + " off): a rounding or arithmetic slip on top of that", upstream.path());
        }
        return null;
    }

    private static boolean nearly(double g, double v) {
        return Double.isFinite(v) && Math.abs(g - v) <= 0.01 * Math.abs(v);
    }

    private static String percent(double g, double v) {
        return String.format(java.util.Locale.ROOT, "%.2g%%", 100 * Math.abs(g - v) / Math.abs(v));
    }

    /** When the written number and the value differ in one digit (or two neighbours swapped): the value as text. */
    private static String digitSlip(Written g, double value) {
        if (!Double.isFinite(value) || g.decimals() > 17) return null;
        String a = new BigDecimal(g.value()).setScale(g.decimals(), RoundingMode.HALF_UP).toPlainString();
        String b = new BigDecimal(value).setScale(g.decimals(), RoundingMode.HALF_UP).toPlainString();
        if (a.length() != b.length() || a.equals(b)) return null;
        int first = -1;
        int diffs = 0;
        for (int i = 0; i < a.length(); i++) {
            if (a.charAt(i) != b.charAt(i)) {
                if (first < 0) first = i;
                diffs++;
            }
        }
        int digits = (int) a.chars().filter(Character::isDigit).count();
        if (digits < 3) return null;
        boolean one = diffs == 1 && Character.isDigit(a.charAt(first));
        boolean swap = diffs == 2 && first + 1 < a.length() && a.charAt(first) == b.charAt(first + 1)
                && a.charAt(first + 1) == b.charAt(first);
        return one || swap ? b : null;
    }

    /** The first wrong number among the person's values that this element depends on. */
    private Origin upstreamOrigin(int l, Field f, int r, int c) {
        Origin best = null;
        int last = layers - 1;
        if (f == null) {
            best = firstIn(best, last, Field.OUTPUT, -1, -1);
            return best;
        }
        switch (f) {
            case NET -> {
                if (l > 0) best = firstIn(best, l - 1, Field.OUTPUT, r, -1);
            }
            case OUTPUT -> best = firstIn(best, l, Field.NET, r, act(l).elementwise() ? c : -1);
            case OUTPUT_GRAD -> {
                if (l == last) best = firstIn(best, l, Field.OUTPUT, r, c);
                else best = firstIn(best, l + 1, Field.NET_GRAD, r, -1);
            }
            case NET_GRAD -> {
                boolean el = act(l).elementwise();
                best = firstIn(best, l, Field.OUTPUT_GRAD, r, el ? c : -1);
                best = firstIn(best, l, el ? Field.NET : Field.OUTPUT, r, el ? c : -1);
            }
            case WEIGHTS_GRAD -> {
                best = firstIn(best, l, Field.NET_GRAD, -1, c);
                if (l > 0) best = firstIn(best, l - 1, Field.OUTPUT, -1, r);
            }
            case BIAS_GRAD -> best = firstIn(best, l, Field.NET_GRAD, -1, c);
            case WEIGHTS_UPDATED -> best = firstIn(best, l, Field.WEIGHTS_GRAD, r, c);
            case BIAS_UPDATED -> best = firstIn(best, l, Field.BIAS_GRAD, 0, c);
        }
        return best;
    }

    /** The earliest origin in a block of a quantity's elements (-1: all rows or columns). */
    private Origin firstIn(Origin best, int l, Field f, int r, int c) {
        Origin[][] o = origins.get(key(l, f));
        if (o == null) return best;
        for (int i = r < 0 ? 0 : r; i < (r < 0 ? o.length : r + 1); i++) {
            for (int j = c < 0 ? 0 : c; j < (c < 0 ? o[i].length : c + 1); j++) {
                Origin x = o[i][j];
                if (x != null && (best == null || x.order() < best.order())) best = x;
            }
        }
        return best;
    }

    private Activation act(int l) {
        return spec.layers().get(l).activation();
    }

    private String path(int l, Field f, int r, int c) {
        if (f == null) return "loss";
        String p = "layers[" + l + "]." + f.key();
        if (f.bias()) return p + "[" + c + "]";
        if (f.perSample() && !spec.batched()) return p + "[" + c + "]";
        return p + "[" + r + "][" + c + "]";
    }

    // ------------------------------------------------------------------------------ hypotheses

    private interface Basis {
        double[][] get(int layer, Field field);
    }

    private List<Hypothesis> hypotheses(int l, Field f, Basis v, double[][] right) {
        List<Hypothesis> out = new ArrayList<>();
        int last = layers - 1;
        if (f == null) {
            double[][] p = v.get(last, Field.OUTPUT);
            for (LossKind other : LossKind.values()) {
                if (other != spec.loss()) {
                    out.add(new Hypothesis(Kind.OTHER_LOSS, "the value of " + other.specName() + ", not "
                            + spec.loss().specName(), new double[][] {{lossValue(other, p, 0)}}));
                }
            }
            if (spec.loss() == LossKind.BINARY_CROSS_ENTROPY) {
                out.add(new Hypothesis(Kind.MISSING_TERM, "missing a term: only the y·ln p terms were summed, the (1 − y)·ln(1 − p) terms left out",
                        new double[][] {{lossValue(spec.loss(), p, 1)}}));
                out.add(new Hypothesis(Kind.MISSING_TERM, "missing a term: only the (1 − y)·ln(1 − p) terms were summed, the y·ln p terms left out",
                        new double[][] {{lossValue(spec.loss(), p, 2)}}));
            }
            out.add(new Hypothesis(Kind.FACTOR, "log base 10 used instead of the natural log",
                    new double[][] {{right[0][0] / Math.log(10)}}));
        } else {
            switch (f) {
                case NET -> {
                    NetworkSpec.Layer layer = spec.layers().get(l);
                    double[][] in = input(l, v);
                    if (layer.hasBias()) out.add(new Hypothesis(Kind.MISSING_TERM, "the bias left out", matmul(in, layer.weights())));
                    if (layer.inputs() == layer.units() && layer.inputs() > 1) {
                        out.add(new Hypothesis(Kind.TRANSPOSED, "the weights used transposed (W[j][i] for W[i][j])",
                                addBias(matmul(in, transpose(layer.weights())), layer.bias())));
                    }
                }
                case OUTPUT -> {
                    double[][] net = v.get(l, Field.NET);
                    for (Activation a : Activation.values()) {
                        if (a == act(l) || a == Activation.IDENTITY) continue;
                        out.add(new Hypothesis(Kind.OTHER_ACTIVATION, "the output of " + a.specName() + ", but the layer uses "
                                + act(l).specName(), forward(a, alphaFor(l, a), net)));
                    }
                }
                case OUTPUT_GRAD -> {
                    if (l == last) {
                        double[][] p = v.get(l, Field.OUTPUT);
                        for (LossKind other : LossKind.values()) {
                            if (other != spec.loss()) {
                                out.add(new Hypothesis(Kind.OTHER_LOSS, "the gradient of " + other.specName() + ", not "
                                        + spec.loss().specName(), lossGrad(other, p, 0)));
                            }
                        }
                        if (spec.loss() == LossKind.BINARY_CROSS_ENTROPY) {
                            out.add(new Hypothesis(Kind.MISSING_TERM, "missing a term: only the derivative of y·ln p, not of (1 − y)·ln(1 − p)", lossGrad(spec.loss(), p, 1)));
                            out.add(new Hypothesis(Kind.MISSING_TERM, "missing a term: only the derivative of (1 − y)·ln(1 − p), not of y·ln p", lossGrad(spec.loss(), p, 2)));
                        }
                    } else {
                        double[][] w = spec.layers().get(l + 1).weights();
                        out.add(new Hypothesis(Kind.MISSING_TERM, "missing a chain-rule term: layer " + (l + 1)
                                + "'s output_grad used where its net_grad belongs (its activation's derivative skipped)",
                                matmul(v.get(l + 1, Field.OUTPUT_GRAD), transpose(w))));
                        double[][] d = v.get(l + 1, Field.NET_GRAD);
                        int k = w[0].length;
                        if (k > 1 && k <= 64) {
                            for (int j = 0; j < k; j++) {
                                double[][] one = new double[batch][w.length];
                                for (int s = 0; s < batch; s++) for (int i = 0; i < w.length; i++) one[s][i] = d[s][j] * w[i][j];
                                out.add(new Hypothesis(Kind.MISSING_TERM, "missing chain-rule terms: only the path through unit "
                                        + j + " of layer " + (l + 1) + " counted (the sum over its " + k + " units has one term)", one));
                            }
                        }
                    }
                }
                case NET_GRAD -> {
                    double[][] og = v.get(l, Field.OUTPUT_GRAD);
                    double[][] net = v.get(l, Field.NET);
                    if (act(l) == Activation.SOFTMAX) {
                        double[][] s = v.get(l, Field.OUTPUT);
                        double[][] diag = new double[s.length][s[0].length];
                        for (int i = 0; i < s.length; i++) for (int j = 0; j < s[i].length; j++) diag[i][j] = s[i][j] * (1 - s[i][j]) * og[i][j];
                        out.add(new Hypothesis(Kind.MISSING_COUPLING, "missing the softmax coupling: only ∂s_j/∂z_j = s_j(1 − s_j) was used, "
                                + "not the terms ∂s_k/∂z_j = −s_k·s_j that link each output to the others", diag));
                    }
                    if (act(l) != Activation.IDENTITY) {
                        out.add(new Hypothesis(Kind.MISSING_TERM, "missing a chain-rule term: the activation's derivative f'(net) left out (net_grad = output_grad)", og));
                    }
                    for (Activation a : Activation.values()) {
                        if (a == act(l) || a == Activation.IDENTITY || a == Activation.SOFTMAX) continue;
                        double[][] d = new double[net.length][net[0].length];
                        double alpha = alphaFor(l, a);
                        for (int i = 0; i < net.length; i++) for (int j = 0; j < net[i].length; j++) d[i][j] = derivative(a, alpha, net[i][j]) * og[i][j];
                        out.add(new Hypothesis(Kind.OTHER_ACTIVATION, "the derivative of " + a.specName() + ", but the layer uses "
                                + act(l).specName(), d));
                    }
                }
                case WEIGHTS_GRAD -> {
                    double[][] in = input(l, v);
                    double[][] d = v.get(l, Field.NET_GRAD);
                    int n = in[0].length;
                    int k = d[0].length;
                    double[][] noInput = new double[n][k];
                    for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) for (int s = 0; s < batch; s++) noInput[i][j] += d[s][j];
                    out.add(new Hypothesis(Kind.MISSING_TERM, "missing a chain-rule term: the input factor ∂net_j/∂w_ij = x_i left out", noInput));
                    if (act(l) != Activation.IDENTITY) {
                        out.add(new Hypothesis(Kind.MISSING_TERM, "missing a chain-rule term: output_grad used where net_grad belongs (the activation's derivative skipped)",
                                matmul(transpose(in), v.get(l, Field.OUTPUT_GRAD))));
                    }
                    if (l > 0 && act(l - 1) != Activation.IDENTITY) {
                        out.add(new Hypothesis(Kind.OTHER_ACTIVATION, "layer " + (l - 1) + "'s net used as the input where its output belongs",
                                matmul(transpose(v.get(l - 1, Field.NET)), d)));
                    }
                    if (batch > 1 && batch <= 64) {
                        for (int s = 0; s < batch; s++) {
                            double[][] one = new double[n][k];
                            for (int i = 0; i < n; i++) for (int j = 0; j < k; j++) one[i][j] = in[s][i] * d[s][j];
                            out.add(new Hypothesis(Kind.MISSING_TERM, "missing terms: only sample " + s + " counted, not the sum over the batch", one));
                        }
                    }
                }
                case BIAS_GRAD -> {
                    if (act(l) != Activation.IDENTITY) {
                        out.add(new Hypothesis(Kind.MISSING_TERM, "missing a chain-rule term: output_grad used where net_grad belongs (the activation's derivative skipped)",
                                new double[][] {colSum(v.get(l, Field.OUTPUT_GRAD))}));
                    }
                    if (batch > 1 && batch <= 64) {
                        double[][] d = v.get(l, Field.NET_GRAD);
                        for (int s = 0; s < batch; s++) {
                            out.add(new Hypothesis(Kind.MISSING_TERM, "missing terms: only sample " + s + " counted, not the sum over the batch",
                                    new double[][] {d[s].clone()}));
                        }
                    }
                }
                case WEIGHTS_UPDATED, BIAS_UPDATED -> {
                    Field gf = f == Field.WEIGHTS_UPDATED ? Field.WEIGHTS_GRAD : Field.BIAS_GRAD;
                    double[][] g = v.get(l, gf);
                    double[][] old = f == Field.WEIGHTS_UPDATED ? spec.layers().get(l).weights() : new double[][] {spec.layers().get(l).bias()};
                    out.add(new Hypothesis(Kind.ADDED_INSTEAD_OF_SUBTRACTED, "the gradient added instead of subtracted (w + η·g)", update(old, g, -1)));
                    if (f == Field.WEIGHTS_UPDATED) {
                        out.add(new Hypothesis(Kind.TRANSPOSED, "updated with the gradient of the mirrored position (transposed)", update(old, mirror(g), 1)));
                    }
                    for (double k : new double[] {2, 0.5, 10, 0.1}) {
                        out.add(new Hypothesis(Kind.FACTOR, "a factor off: the step is " + factorWord(k) + " η·g (check the learning rate)", update(old, g, k)));
                    }
                    return out;
                }
            }
        }
        // generic: sign, transposed, factors
        out.add(new Hypothesis(Kind.SIGN_FLIPPED, "sign flipped", scale(right, -1)));
        if (f == Field.WEIGHTS_GRAD) out.add(new Hypothesis(Kind.TRANSPOSED, "transposed: the value belongs at the mirrored position", mirror(right)));
        for (Map.Entry<Double, String> e : factors().entrySet()) {
            out.add(new Hypothesis(Kind.FACTOR, "a factor off: " + e.getValue(), scale(right, e.getKey())));
        }
        return out;
    }

    private Map<Double, String> factors() {
        Map<Double, String> m = new LinkedHashMap<>();
        int k = spec.outputs();
        if (batch > 1) {
            m.merge((double) batch, "multiplied by the batch size " + batch + " (a sum where the mean belongs)", (a, b) -> a + "; " + b);
            m.merge(1.0 / batch, "divided by the batch size " + batch, (a, b) -> a + "; " + b);
        }
        if (k > 1) {
            m.merge((double) k, "multiplied by the output count " + k + " (the 1/" + k + " of the mean left out)", (a, b) -> a + "; " + b);
            m.merge(1.0 / k, "divided by the output count " + k, (a, b) -> a + "; " + b);
        }
        if (batch > 1 && k > 1) {
            m.merge((double) batch * k, "multiplied by the element count " + batch * k + " (the 1/N of the mean left out)", (a, b) -> a + "; " + b);
            m.merge(1.0 / (batch * k), "divided by the element count " + batch * k, (a, b) -> a + "; " + b);
        }
        m.merge(2.0, "twice the true value", (a, b) -> a + "; " + b);
        m.merge(0.5, "half the true value", (a, b) -> a + "; " + b);
        return m;
    }

    private static String factorWord(double k) {
        if (k == 2) return "twice";
        if (k == 0.5) return "half";
        if (k == 10) return "10 times";
        return "a tenth of";
    }

    private double[][] update(double[][] old, double[][] g, double k) {
        double[][] out = new double[old.length][old[0].length];
        for (int i = 0; i < old.length; i++) for (int j = 0; j < old[i].length; j++) out[i][j] = old[i][j] - k * lr * g[i][j];
        return out;
    }

    private double alphaFor(int l, Activation a) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        return layer.activation().hasAlpha() && a.hasAlpha() ? layer.alpha() : a.defaultAlpha();
    }

    // ------------------------------------------------------------------------------ the model

    /** A quantity worked correctly from the basis' upstream values (plain double math). */
    private double[][] compute(int l, Field f, Basis v) {
        int last = layers - 1;
        if (f == null) return new double[][] {{lossValue(spec.loss(), v.get(last, Field.OUTPUT), 0)}};
        NetworkSpec.Layer layer = spec.layers().get(l);
        return switch (f) {
            case NET -> addBias(matmul(input(l, v), layer.weights()), layer.bias());
            case OUTPUT -> forward(layer.activation(), layer.alpha(), v.get(l, Field.NET));
            case OUTPUT_GRAD -> l == last ? lossGrad(spec.loss(), v.get(l, Field.OUTPUT), 0)
                    : matmul(v.get(l + 1, Field.NET_GRAD), transpose(spec.layers().get(l + 1).weights()));
            case NET_GRAD -> netGrad(l, v);
            case WEIGHTS_GRAD -> matmul(transpose(input(l, v)), v.get(l, Field.NET_GRAD));
            case BIAS_GRAD -> new double[][] {colSum(v.get(l, Field.NET_GRAD))};
            case WEIGHTS_UPDATED -> update(layer.weights(), v.get(l, Field.WEIGHTS_GRAD), 1);
            case BIAS_UPDATED -> update(new double[][] {layer.bias()}, v.get(l, Field.BIAS_GRAD), 1);
        };
    }

    private double[][] input(int l, Basis v) {
        return l == 0 ? spec.input() : v.get(l - 1, Field.OUTPUT);
    }

    private double[][] netGrad(int l, Basis v) {
        NetworkSpec.Layer layer = spec.layers().get(l);
        double[][] og = v.get(l, Field.OUTPUT_GRAD);
        double[][] out = new double[og.length][og[0].length];
        if (layer.activation() == Activation.SOFTMAX) {
            double[][] s = v.get(l, Field.OUTPUT);
            for (int i = 0; i < og.length; i++) {
                double dot = 0;
                for (int k = 0; k < og[i].length; k++) dot += s[i][k] * og[i][k];
                for (int j = 0; j < og[i].length; j++) out[i][j] = s[i][j] * (og[i][j] - dot);
            }
        } else {
            double[][] net = v.get(l, Field.NET);
            for (int i = 0; i < og.length; i++) {
                for (int j = 0; j < og[i].length; j++) out[i][j] = derivative(layer.activation(), layer.alpha(), net[i][j]) * og[i][j];
            }
        }
        return out;
    }

    private static double[][] forward(Activation a, double alpha, double[][] net) {
        double[][] out = new double[net.length][];
        for (int i = 0; i < net.length; i++) {
            double[] z = net[i];
            double[] o = new double[z.length];
            if (a == Activation.SOFTMAX) {
                double max = Double.NEGATIVE_INFINITY;
                for (double x : z) max = Math.max(max, x);
                double sum = 0;
                for (int j = 0; j < z.length; j++) sum += o[j] = Math.exp(z[j] - max);
                for (int j = 0; j < z.length; j++) o[j] /= sum;
            } else {
                for (int j = 0; j < z.length; j++) o[j] = value(a, alpha, z[j]);
            }
            out[i] = o;
        }
        return out;
    }

    private static double value(Activation a, double alpha, double x) {
        return switch (a) {
            case IDENTITY, SOFTMAX -> x;
            case RELU -> x > 0 ? x : 0;
            case LEAKY_RELU -> x > 0 ? x : alpha * x;
            case SIGMOID -> 1 / (1 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case ELU -> x > 0 ? x : alpha * Math.expm1(x);
            case SOFTPLUS -> x > 20 ? x : Math.log1p(Math.exp(x));
            case GELU -> Tensor.scalar(x, DType.FLOAT64).gelu().item();
        };
    }

    private static double derivative(Activation a, double alpha, double x) {
        return switch (a) {
            case IDENTITY, SOFTMAX -> 1;
            case RELU -> x > 0 ? 1 : 0;
            case LEAKY_RELU -> x > 0 ? 1 : alpha;
            case SIGMOID -> {
                double s = 1 / (1 + Math.exp(-x));
                yield s * (1 - s);
            }
            case TANH -> {
                double t = Math.tanh(x);
                yield 1 - t * t;
            }
            case ELU -> x > 0 ? 1 : alpha * Math.exp(x);
            case SOFTPLUS -> x > 20 ? 1 : 1 / (1 + Math.exp(-x));
            case GELU -> geluSlope(x);
        };
    }

    /** The loss; {@code part} 1 keeps only the y·ln p terms of BCE, 2 only the (1 − y)·ln(1 − p) terms. */
    private double lossValue(LossKind kind, double[][] p, int part) {
        double[][] y = spec.target();
        double sum = 0;
        int n = 0;
        for (int s = 0; s < p.length; s++) {
            for (int j = 0; j < p[s].length; j++) {
                double pj = p[s][j];
                double yj = y[s][j];
                n++;
                sum += switch (kind) {
                    case MSE -> (pj - yj) * (pj - yj);
                    case BINARY_CROSS_ENTROPY -> -((part == 2 ? 0 : yj * Math.max(Math.log(pj), -100))
                            + (part == 1 ? 0 : (1 - yj) * Math.max(Math.log(1 - pj), -100)));
                    case CROSS_ENTROPY -> yj == 0 ? 0 : -yj * Math.log(pj);
                };
            }
        }
        return kind == LossKind.CROSS_ENTROPY ? sum / p.length : sum / n;
    }

    private double[][] lossGrad(LossKind kind, double[][] p, int part) {
        double[][] y = spec.target();
        int n = p.length * p[0].length;
        double[][] g = new double[p.length][p[0].length];
        for (int s = 0; s < p.length; s++) {
            for (int j = 0; j < p[s].length; j++) {
                double pj = p[s][j];
                double yj = y[s][j];
                g[s][j] = switch (kind) {
                    case MSE -> 2 * (pj - yj) / n;
                    case BINARY_CROSS_ENTROPY -> switch (part) {
                        case 1 -> -yj / Math.max(pj, 1e-12) / n;
                        case 2 -> (1 - yj) / Math.max(1 - pj, 1e-12) / n;
                        default -> (pj - yj) / Math.max(pj * (1 - pj), 1e-12) / n;
                    };
                    case CROSS_ENTROPY -> -yj / pj / p.length;
                };
            }
        }
        return g;
    }

    // ------------------------------------------------------------------------------ matrices

    private static double[][] matmul(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        double[][] out = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < b.length; k++) {
                double x = a[i][k];
                for (int j = 0; j < m; j++) out[i][j] += x * b[k][j];
            }
        }
        return out;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[i].length; j++) t[j][i] = a[i][j];
        return t;
    }

    /** The value at the mirrored position [j][i], NaN where there is none. */
    private static double[][] mirror(double[][] a) {
        double[][] m = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) m[i][j] = j < a.length && i < a[j].length && i != j ? a[j][i] : Double.NaN;
        }
        return m;
    }

    private static double[][] addBias(double[][] a, double[] b) {
        if (b == null) return a;
        for (double[] row : a) for (int j = 0; j < row.length; j++) row[j] += b[j];
        return a;
    }

    private static double[] colSum(double[][] a) {
        double[] s = new double[a[0].length];
        for (double[] row : a) for (int j = 0; j < row.length; j++) s[j] += row[j];
        return s;
    }

    private static double[][] scale(double[][] a, double k) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) out[i][j] = a[i][j] * k;
        }
        return out;
    }

    /** GELU's derivative at x, from the engine (the one definition of GELU). */
    private static double geluSlope(double x) {
        Tensor t = Tensor.scalar(x, DType.FLOAT64).requiresGrad(true);
        t.gelu().backward();
        return t.grad().item();
    }
}
