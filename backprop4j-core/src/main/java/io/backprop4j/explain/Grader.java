package io.backprop4j.explain;

import io.backprop4j.BackpropException;
import io.backprop4j.explain.Answers.Written;
import io.backprop4j.explain.Diagnosis.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Grades a hand-worked training step against the engine's {@link StepSolution}, number by number,
 * and names the mistake behind each wrong number when it recognises one.
 *
 * <h2>When a number is correct</h2>
 * A number written with {@code d} decimals is correct when it is within the tolerance of the true
 * value, or is the true value rounded or truncated to {@code d} decimals and carries enough
 * significant digits to be judged; the tolerance is {@code max(rel·|true|, 1e-6)} with {@code rel}
 * 1e-3 unless given. Enough significant digits is {@code ⌈−log10 rel⌉}, at least 1 and at most 6:
 * 3 at the default tolerance. A number with fewer digits that agrees with the true value only to
 * the digits it has ("0" for 0.117741, "0.12" for 0.117741) is not correct and is marked "not
 * enough digits" ({@link Diagnosis.Kind#NOT_ENOUGH_DIGITS}). Updated weights are judged by the
 * step they imply, {@code (old − new)/η}, against the gradient, so a wrong gradient cannot hide
 * in the digits of a large weight; their digits are counted in {@code old − new}. See
 * {@link Tolerance}.
 *
 * <h2>Diagnoses</h2>
 * The grader walks the quantities in the order a person works them (forward: net and output per
 * layer; the loss; backward from the last layer: output_grad, net_grad, weights_grad, bias_grad;
 * then the updates) and keeps, beside the truth, the person's own values: each written number,
 * and each unwritten one worked correctly from the person's earlier numbers ({@link Steps}, by the
 * engine). A wrong number is then matched against: computed correctly from the person's own wrong
 * values (carried over); the table of mistake hypotheses ({@link Mistakes}: sign flipped,
 * transposed, a factor off, gradient added, another activation or loss, a chain-rule term left
 * out, the softmax coupling missing...), first on the true values, then on the person's own; a
 * slipped digit; within 1% (a rounding slip). Every value a hypothesis proposes is worked by the
 * engine; the grader itself does no forward or backward arithmetic.
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
     * @param firstMistake the first wrong number that is neither carried over from an earlier one
     *     nor written with too few digits (else the first that is not carried over, else the first
     *     wrong one), or null
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

        /** The significant digits a number needs to be judged to its own precision at this tolerance. */
        public int neededDigits() {
            return Tolerance.neededDigits(tolerance);
        }

        /** How many numbers were written with too few digits to judge. */
        public long tooFewDigitsCount() {
            return entries.stream().filter(e -> e.diagnosis() != null && e.diagnosis().kind() == Kind.NOT_ENOUGH_DIGITS).count();
        }

        /** The wrong entries, the first mistake first, then in working order. */
        public List<Entry> mistakes() {
            List<Entry> out = new ArrayList<>();
            if (firstMistake != null) out.add(firstMistake);
            for (Entry e : entries) if (!e.correct() && e != firstMistake) out.add(e);
            return out;
        }

        /**
         * The wrong numbers grouped by root cause: each mistake with the numbers carried over from
         * it, the one holding the first mistake first, then in working order. Every wrong number is
         * in exactly one cause (see {@link Cause}).
         */
        public List<Cause> causes() {
            return Causes.of(this);
        }
    }

    /**
     * One mistake and what followed from it. A wrong number that is not carried over is a mistake
     * of its own; the wrong numbers of one quantity with the same recognised mistake (the softmax
     * coupling left out of every {@code net_grad}, every sign of a row flipped) are one mistake,
     * except slips of the pen and unrecognised numbers, which count one by one. A carried-over number
     * (computed correctly from the person's own wrong numbers) belongs to the mistake its
     * {@link Diagnosis#from() from} chain leads back to.
     *
     * @param numbers the wrong numbers that are this mistake, in working order (at least one)
     * @param carried the wrong numbers carried over from them, directly or through others, in working order
     */
    public record Cause(List<Entry> numbers, List<Entry> carried) {
        public Cause {
            numbers = List.copyOf(numbers);
            carried = List.copyOf(carried);
        }

        /** The first number of the mistake. */
        public Entry first() {
            return numbers.getFirst();
        }

        /** The kind of mistake, or null when none is recognised. */
        public Kind kind() {
            return first().diagnosis() == null ? null : first().diagnosis().kind();
        }
    }

    private final StepSolution truth;
    private final NetworkSpec spec;
    private final Answers answers;
    private final Tolerance tolerance;
    private final Steps steps;
    private final int layers;
    /** The person's values: written where written, else worked from earlier ones. */
    private final Map<String, double[][]> own = new HashMap<>();
    /** Per element of the person's values, the first wrong written number it came from (or null). */
    private final Map<String, Origin[][]> origins = new HashMap<>();

    /** A wrong written number that later values may be worked from; {@code tooShort} when it has too few digits to judge. */
    private record Origin(String path, int order, boolean tooShort) {}

    private Grader(StepSolution truth, Answers answers, double rel) {
        this.truth = truth;
        this.spec = truth.spec();
        this.answers = answers;
        this.tolerance = new Tolerance(spec, rel);
        this.steps = new Steps(spec);
        this.layers = spec.layers().size();
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
        return new Grader(truth, answers.conform(truth), tolerance).run();
    }

    // ------------------------------------------------------------------------------ walk

    private Report run() {
        List<Entry> entries = new ArrayList<>();
        int order = 0;
        for (int l = 0; l < layers; l++) {
            if (rnn(l)) {
                // net_t needs h_{t−1}: step by step, net and state in turn
                int h = spec.layers().get(l).hidden();
                prepare(l, Field.OUTPUT);
                for (int t = 0; t < spec.steps(); t++) {
                    order = visit(l, Field.NET, order, entries, t * h, (t + 1) * h);
                    order = visit(l, Field.OUTPUT, order, entries, t * h, (t + 1) * h);
                }
                continue;
            }
            order = visit(l, Field.NET, order, entries);
            order = visit(l, Field.OUTPUT, order, entries);
        }
        order = visit(-1, null, order, entries);
        for (int l = layers - 1; l >= 0; l--) {
            if (rnn(l)) {
                // ∂L/∂h_t needs ∂L/∂net_{t+1}: back through time, step by step
                int h = spec.layers().get(l).hidden();
                prepare(l, Field.NET_GRAD);
                for (int t = spec.steps() - 1; t >= 0; t--) {
                    order = visit(l, Field.OUTPUT_GRAD, order, entries, t * h, (t + 1) * h);
                    order = visit(l, Field.NET_GRAD, order, entries, t * h, (t + 1) * h);
                }
                // each step's contributions, then their sums
                for (Field f : new Field[] {Field.STEP_WEIGHTS_GRAD, Field.STEP_WEIGHTS_HH_GRAD, Field.STEP_BIAS_GRAD,
                        Field.WEIGHTS_GRAD, Field.BIAS_GRAD, Field.WEIGHTS_HH_GRAD, Field.BIAS_HH_GRAD}) {
                    order = visit(l, f, order, entries);
                }
                continue;
            }
            for (Field f : new Field[] {Field.OUTPUT_GRAD, Field.NET_GRAD, Field.WEIGHTS_GRAD, Field.BIAS_GRAD}) {
                order = visit(l, f, order, entries);
            }
        }
        for (int l = 0; l < layers; l++) {
            order = visit(l, Field.WEIGHTS_UPDATED, order, entries);
            order = visit(l, Field.BIAS_UPDATED, order, entries);
            if (rnn(l)) {
                order = visit(l, Field.WEIGHTS_HH_UPDATED, order, entries);
                order = visit(l, Field.BIAS_HH_UPDATED, order, entries);
            }
        }
        Entry first = firstWrong(entries, Kind.CARRIED_OVER, Kind.NOT_ENOUGH_DIGITS);
        if (first == null) first = firstWrong(entries, Kind.CARRIED_OVER);
        if (first == null) first = firstWrong(entries);
        return new Report(truth, entries, first, tolerance.rel());
    }

    /** The first wrong entry whose diagnosis is none of {@code skip}, or null. */
    private static Entry firstWrong(List<Entry> entries, Kind... skip) {
        for (Entry e : entries) {
            if (e.correct()) continue;
            Kind k = e.diagnosis() == null ? null : e.diagnosis().kind();
            if (k == null || !java.util.Arrays.asList(skip).contains(k)) return e;
        }
        return null;
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

    /** Room for the person's values of a field that is filled in step by step (the steps not reached yet are never read). */
    private void prepare(int l, Field f) {
        double[][] t = truthOf(l, f);
        own.put(key(l, f), new double[t.length][t[0].length]);
        origins.put(key(l, f), new Origin[t.length][t[0].length]);
    }

    private boolean rnn(int l) {
        return spec.layers().get(l).kind() == NetworkSpec.Kind.RNN;
    }

    private int visit(int l, Field f, int order, List<Entry> entries) {
        double[][] t = truthOf(l, f);
        return t == null ? order : visit(l, f, order, entries, 0, t[0].length);
    }

    /**
     * Grades columns {@code c0 .. c1 − 1} of a quantity (one time step of an rnn's per-sample
     * field; every column for the others), the person's values there kept for what follows.
     */
    private int visit(int l, Field f, int order, List<Entry> entries, int c0, int c1) {
        double[][] t = truthOf(l, f);
        if (t == null) return order;
        double[][] model = steps.compute(l, f, this::ownOf);
        Written[][] w = writtenOf(l, f);
        int rows = t.length;
        int cols = t[0].length;
        double[][] mine = own.computeIfAbsent(key(l, f), k -> new double[rows][cols]);
        Origin[][] orig = origins.computeIfAbsent(key(l, f), k -> new Origin[rows][cols]);
        Map<Integer, List<Mistakes.Candidate>> hypotheses = new HashMap<>();
        int width = c1 - c0;
        for (int r = 0; r < rows; r++) {
            for (int c = c0; c < c1; c++) {
                Origin upstream = upstreamOrigin(l, f, r, c);
                Written given = w == null ? null : w[r][c];
                if (given == null) {
                    mine[r][c] = upstream == null ? t[r][c] : model[r][c];
                    orig[r][c] = upstream != null && !tolerance.close(l, f, r, c, model[r][c], t[r][c]) ? upstream : null;
                    continue;
                }
                String path = path(l, f, r, c, cols);
                boolean ok = tolerance.matches(l, f, r, c, given, t[r][c]);
                boolean tooShort = !ok && tolerance.tooFewDigits(l, f, r, c, given, t[r][c]);
                Diagnosis d = null;
                if (tooShort) {
                    d = new Diagnosis(Kind.NOT_ENOUGH_DIGITS, tolerance.tooFewDigitsText(l, f, r, c, given), null);
                } else if (!ok) {
                    d = diagnose(l, f, r, c, given, t, model, upstream, hypotheses);
                }
                entries.add(new Entry(path, l, f, r, c, given.value(), given.decimals(), t[r][c], ok, d));
                mine[r][c] = given.value();
                orig[r][c] = ok ? null : new Origin(path, order + r * width + c - c0, tooShort);
            }
        }
        return order + rows * width;
    }

    private double[][] ownOf(int l, Field f) {
        return own.get(key(l, f));
    }

    // ------------------------------------------------------------------------------ diagnosis

    private Diagnosis diagnose(int l, Field f, int r, int c, Written g, double[][] t, double[][] model, Origin upstream,
                               Map<Integer, List<Mistakes.Candidate>> cache) {
        double e = t[r][c];
        if (upstream != null && !tolerance.close(l, f, r, c, model[r][c], e) && tolerance.matches(l, f, r, c, g, model[r][c])) {
            return new Diagnosis(Kind.CARRIED_OVER, "carried over: computed correctly from your own "
                    + upstream.path() + (upstream.tooShort() ? ", which has too few digits" : ", which is wrong"), upstream.path());
        }
        List<Mistakes.Candidate> onTruth = cache.computeIfAbsent(0,
                k -> Mistakes.candidates(new Mistakes.Site(steps, l, f, this::truthOf, t)));
        for (Mistakes.Candidate h : onTruth) {
            double cand = h.values()[r][c];
            if (!tolerance.close(l, f, r, c, cand, e) && tolerance.matches(l, f, r, c, g, cand)) return new Diagnosis(h.kind(), h.text(), null);
        }
        if (upstream != null) {
            List<Mistakes.Candidate> onOwn = cache.computeIfAbsent(1,
                    k -> Mistakes.candidates(new Mistakes.Site(steps, l, f, this::ownOf, model)));
            for (Mistakes.Candidate h : onOwn) {
                double cand = h.values()[r][c];
                if (!tolerance.close(l, f, r, c, cand, e) && tolerance.matches(l, f, r, c, g, cand)) {
                    return new Diagnosis(h.kind(), h.text() + ", applied to the value from your own " + upstream.path(),
                            upstream.path());
                }
            }
        }
        String slip = Tolerance.digitSlip(g, e);
        if (slip != null) return new Diagnosis(Kind.DIGIT_SLIP, "one digit differs from the true " + slip, null);
        if (upstream != null && !tolerance.close(l, f, r, c, model[r][c], e)) {
            slip = Tolerance.digitSlip(g, model[r][c]);
            if (slip != null) {
                return new Diagnosis(Kind.DIGIT_SLIP, "one digit differs from " + slip + ", the value worked from your own "
                        + upstream.path(), upstream.path());
            }
        }
        if (Tolerance.nearly(g.value(), e)) {
            return new Diagnosis(Kind.CLOSE, "close to the true value (" + Tolerance.percent(g.value(), e)
                    + " off): a rounding or arithmetic slip", null);
        }
        if (upstream != null && !tolerance.close(l, f, r, c, model[r][c], e) && Tolerance.nearly(g.value(), model[r][c])) {
            return new Diagnosis(Kind.CLOSE, "close to the value worked from your own " + upstream.path() + " ("
                    + Tolerance.percent(g.value(), model[r][c]) + " off): a rounding or arithmetic slip on top of that", upstream.path());
        }
        return null;
    }

    /** The first wrong number among the person's values that this element depends on. */
    private Origin upstreamOrigin(int l, Field f, int r, int c) {
        Origin best = null;
        int last = layers - 1;
        if (f == null) {
            best = firstIn(best, last, Field.OUTPUT, -1, -1);
            return best;
        }
        NetworkSpec.Layer layer = spec.layers().get(l);
        if (layer.kind() == NetworkSpec.Kind.RNN) return rnnUpstream(l, f, r, c, layer);
        if (!spec.dense()) return imageUpstream(l, f, r, c, layer);
        boolean elementwise = NetworkSpec.elementwise(layer.activation());
        switch (f) {
            case NET -> {
                if (l > 0) best = firstIn(best, l - 1, Field.OUTPUT, r, -1);
            }
            case OUTPUT -> best = firstIn(best, l, Field.NET, r, elementwise ? c : -1);
            case OUTPUT_GRAD -> {
                if (l == last) best = firstIn(best, l, Field.OUTPUT, r, c);
                else best = firstIn(best, l + 1, Field.NET_GRAD, r, -1);
            }
            case NET_GRAD -> {
                best = firstIn(best, l, Field.OUTPUT_GRAD, r, elementwise ? c : -1);
                best = firstIn(best, l, elementwise ? Field.NET : Field.OUTPUT, r, elementwise ? c : -1);
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

    /**
     * The upstream origin in a network with image layers, by whole samples (a window mixes the
     * positions of a map; the values an element depends on are those of its sample), except
     * where an element depends on one element alone (an activation, an update).
     */
    private Origin imageUpstream(int l, Field f, int r, int c, NetworkSpec.Layer layer) {
        Origin best = null;
        int last = layers - 1;
        boolean elementwise = NetworkSpec.elementwise(layer.activation());
        switch (f) {
            case NET -> {
                if (l > 0) best = firstIn(best, l - 1, Field.OUTPUT, r, -1);
            }
            case OUTPUT -> {
                if (layer.kind().weighted()) best = firstIn(best, l, Field.NET, r, elementwise ? c : -1);
                else if (l > 0) best = firstIn(best, l - 1, Field.OUTPUT, r, -1);
            }
            case OUTPUT_GRAD -> {
                if (l == last) {
                    best = firstIn(best, l, Field.OUTPUT, r, c);
                } else {
                    NetworkSpec.Layer next = spec.layers().get(l + 1);
                    best = firstIn(best, l + 1, next.kind().weighted() ? Field.NET_GRAD : Field.OUTPUT_GRAD, r, -1);
                    if (next.kind() == NetworkSpec.Kind.MAX_POOL2D) best = firstIn(best, l, Field.OUTPUT, r, -1);
                }
            }
            case NET_GRAD -> {
                best = firstIn(best, l, Field.OUTPUT_GRAD, r, elementwise ? c : -1);
                best = firstIn(best, l, elementwise ? Field.NET : Field.OUTPUT, r, elementwise ? c : -1);
            }
            case WEIGHTS_GRAD -> {
                boolean dense = layer.kind() == NetworkSpec.Kind.DENSE && !layer.everyStep();
                best = firstIn(best, l, Field.NET_GRAD, -1, dense ? c : -1);
                if (l > 0) best = firstIn(best, l - 1, Field.OUTPUT, -1, dense ? r : -1);
            }
            case BIAS_GRAD -> best = firstIn(best, l, Field.NET_GRAD, -1, layer.kind() == NetworkSpec.Kind.DENSE && !layer.everyStep() ? c : -1);
            case WEIGHTS_UPDATED -> best = firstIn(best, l, Field.WEIGHTS_GRAD, r, c);
            case BIAS_UPDATED -> best = firstIn(best, l, Field.BIAS_GRAD, 0, c);
        }
        return best;
    }

    /**
     * The upstream origin of an element of an rnn layer: net_t (step t = c / H) from h_{t−1};
     * h_t from its own net; ∂L/∂h_t from above (the loss at h_t, or the next layer's net_grad at
     * the last step) and from ∂L/∂net_{t+1}; ∂L/∂net_t from its own ∂L/∂h_t and h_t; the
     * gradients from every step's ∂L/∂net (and, for W_hh, the states); an update from its gradient.
     */
    private Origin rnnUpstream(int l, Field f, int r, int c, NetworkSpec.Layer layer) {
        int h = layer.hidden();
        int t = c / h;
        int steps = spec.steps();
        Origin best = null;
        switch (f) {
            case NET -> {
                if (t > 0) best = firstIn(best, l, Field.OUTPUT, r, (t - 1) * h, t * h);
            }
            case OUTPUT -> best = firstIn(best, l, Field.NET, r, c);
            case OUTPUT_GRAD -> {
                if (l == layers - 1) best = firstIn(best, l, Field.OUTPUT, r, c);
                else if (spec.everyStep(l + 1)) {
                    int v = spec.layers().get(l + 1).units();
                    best = firstIn(best, l + 1, Field.NET_GRAD, r, t * v, (t + 1) * v);
                } else if (t == steps - 1) best = firstIn(best, l + 1, Field.NET_GRAD, r, -1);
                if (t + 1 < steps) best = firstIn(best, l, Field.NET_GRAD, r, (t + 1) * h, (t + 2) * h);
            }
            case NET_GRAD -> {
                best = firstIn(best, l, Field.OUTPUT_GRAD, r, c);
                best = firstIn(best, l, Field.NET, r, c);
            }
            case WEIGHTS_GRAD, BIAS_GRAD, BIAS_HH_GRAD -> best = firstIn(best, l, Field.NET_GRAD, -1, -1);
            case WEIGHTS_HH_GRAD -> {
                best = firstIn(best, l, Field.NET_GRAD, -1, -1);
                best = firstIn(best, l, Field.OUTPUT, -1, -1);
            }
            // step r's contribution: that step's ∂L/∂net (and, for W_hh, the state before it)
            case STEP_WEIGHTS_GRAD, STEP_BIAS_GRAD -> best = firstIn(best, l, Field.NET_GRAD, -1, r * h, (r + 1) * h);
            case STEP_WEIGHTS_HH_GRAD -> {
                best = firstIn(best, l, Field.NET_GRAD, -1, r * h, (r + 1) * h);
                if (r > 0) best = firstIn(best, l, Field.OUTPUT, -1, (r - 1) * h, r * h);
            }
            case WEIGHTS_UPDATED, BIAS_UPDATED, WEIGHTS_HH_UPDATED, BIAS_HH_UPDATED -> best = firstIn(best, l, f.gradient(), f.bias() ? 0 : r, c);
        }
        return best;
    }

    /** The earliest origin among columns c0 .. c1 − 1 of a quantity's row r (-1: all rows). */
    private Origin firstIn(Origin best, int l, Field f, int r, int c0, int c1) {
        Origin[][] o = origins.get(key(l, f));
        if (o == null) return best;
        for (int i = r < 0 ? 0 : r; i < (r < 0 ? o.length : r + 1); i++) {
            for (int j = c0; j < c1; j++) {
                Origin x = o[i][j];
                if (x != null && (best == null || x.order() < best.order())) best = x;
            }
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

    /** The JSON path of element [r][c] of a field (rows of {@code cols}), in the layout explain --format json writes. */
    private String path(int l, Field f, int r, int c, int cols) {
        return path(spec, l, f, r, c, cols);
    }

    /** The JSON path of element [r][c] of a field of layer l (rows of {@code cols} values, as {@link StepSolution} keeps them). */
    static String path(NetworkSpec spec, int l, Field f, int r, int c, int cols) {
        if (f == null) return "loss";
        if (f.stepwise()) {
            // layers[l].steps[t].weights_grad[j][k], as explain --format json writes the steps section (t from 0)
            int[] d = spec.shape(l, f, false);
            StringBuilder p = new StringBuilder("layers[").append(l).append("].steps[").append(r).append("].").append(f.stepKey());
            if (d.length == 2) return p.append('[').append(c).append(']').toString();
            return p.append('[').append(c / d[2]).append("][").append(c % d[2]).append(']').toString();
        }
        StringBuilder p = new StringBuilder("layers[").append(l).append("].").append(f.key());
        int[] dims = spec.shape(l, f, spec.batched());
        int flat = f.bias() ? c : r * cols + c;
        int[] idx = new int[dims.length];
        for (int d = dims.length - 1; d >= 0; d--) {
            idx[d] = flat % dims[d];
            flat /= dims[d];
        }
        for (int i : idx) p.append('[').append(i).append(']');
        return p.toString();
    }
}
