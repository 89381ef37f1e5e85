package io.backprop4j.explain;

import static io.backprop4j.explain.Doc.fac;
import static io.backprop4j.explain.Doc.num;

import java.util.ArrayList;
import java.util.List;

/**
 * The worked step of an rnn layer for {@link ExplainDoc}, as a person writes backprop through
 * time on paper: the forward pass step by step ({@code net_t = W_ih·x_t + b_ih + W_hh·h_{t−1} +
 * b_hh}, {@code h_t = tanh(net_t)}), then from the last step back to the first each state's
 * gradient as the part from above plus the part the next step sends back through W_hh, tanh' at
 * each step, and each weight's gradient as the sum of one contribution per step, every
 * contribution and the sum with their numbers. Every number shown is one the engine computed
 * ({@link StepSolution}, {@link StepSolution.Recurrent}); the sums written out are their terms.
 * Sample 1 is written out; the JSON output has every sample.
 *
 * <p>With a dense layer on every state ({@link NetworkSpec.Layer#denseEveryStep}) it also writes
 * that layer step by step: each step's net {@code z_t = h_t·W + b} and output {@code p_t = f(z_t)},
 * each step's part of the loss and their sum, ∂L/∂p_t and ∂L/∂z_t per step, the dense weights'
 * gradient as one contribution per step, and at the rnn each ∂L/∂h_t as the part from the output
 * at that step ({@code W·∂L/∂z_t}) plus the part from the next step.
 */
final class RnnDoc {
    /** Sums longer than this are cut with "…". */
    private static final int MAX_TERMS = 12;
    /** Lines per list beyond this are left to the tables. */
    private static final int MAX_LINES = 36;

    private final StepSolution s;
    private final NetworkSpec spec;
    private final Doc doc;
    private final int last;

    RnnDoc(StepSolution s, Doc doc) {
        this.s = s;
        this.spec = s.spec();
        this.doc = doc;
        this.last = spec.layers().size() - 1;
    }

    // ------------------------------------------------------------------------------ names

    /** State h_{t,j} (step t, unit j; both from 0, shown from 1); t = −1 is h_0. */
    static String state(int t, int j) {
        return "h_{" + (t + 1) + "," + (j + 1) + "}";
    }

    private static String x(int t, int k) {
        return "x_{" + (t + 1) + "," + (k + 1) + "}";
    }

    private static String net(int t, int j) {
        return "net_{" + (t + 1) + "," + (j + 1) + "}";
    }

    /** An input-to-hidden weight w^{ih}_{jk} (into unit j from feature k), from 1. */
    static String wih(int j, int k) {
        return "w^{ih}_{" + (j + 1) + "," + (k + 1) + "}";
    }

    /** A hidden-to-hidden weight w^{hh}_{ji} (into unit j from unit i of the state before), from 1. */
    static String whh(int j, int i) {
        return "w^{hh}_{" + (j + 1) + "," + (i + 1) + "}";
    }

    private static String join(List<String> terms) {
        if (terms.isEmpty()) return "0";
        if (terms.size() <= MAX_TERMS) return String.join(" + ", terms);
        return String.join(" + ", terms.subList(0, MAX_TERMS - 2)) + " + … + " + terms.getLast() + "\\text{ (" + terms.size() + " terms)}";
    }

    private static String vec(double[] v) {
        List<String> parts = new ArrayList<>();
        for (double d : v) parts.add(num(d));
        return "[" + String.join(", ", parts) + "]";
    }

    /** Whether the output layer is a dense layer on every state. */
    boolean perStep() {
        return spec.everyStep(last);
    }

    String sampleNote() {
        return spec.batch() == 1 ? "" : " (sample 1 written out; every sample in the json output)";
    }

    private NetworkSpec.Layer layer(int l) {
        return spec.layers().get(l);
    }

    private int features() {
        return spec.inputShape()[1];
    }

    /** Step t of sample b's row of a per-sample field. */
    private static double[] at(double[][] m, int b, int t, int w) {
        double[] out = new double[w];
        System.arraycopy(m[b], t * w, out, 0, w);
        return out;
    }

    private double[] prev(int l, int b, int t) {
        int h = layer(l).hidden();
        return t == 0 ? layer(l).initialState(b) : at(s.layers().get(l).output(), b, t - 1, h);
    }

    /** A layer's description: "rnn, 2 features → 3 hidden units over 3 steps, tanh, biases b_ih and b_hh". */
    String describe(int l) {
        NetworkSpec.Layer r = layer(l);
        String bias = r.hasBias() && r.biasHh() != null ? "biases b_ih and b_hh" : r.hasBias() ? "bias b_ih" : r.biasHh() != null ? "bias b_hh" : "no bias";
        return "rnn, " + features() + (features() == 1 ? " feature" : " features") + " → " + r.hidden()
                + (r.hidden() == 1 ? " hidden unit" : " hidden units") + " over " + spec.steps() + " steps, tanh, " + bias;
    }

    // ------------------------------------------------------------------------------ intro

    void intro() {
        NetworkSpec.Layer r = layer(0);
        int t = spec.steps();
        StringBuilder shape = new StringBuilder("a sequence of " + t + " steps x " + features() + (features() == 1 ? " feature" : " features")
                + " → rnn of " + r.hidden() + " (tanh)");
        for (int l = 1; l <= last; l++) {
            shape.append(" → dense ").append(layer(l).units()).append(" (").append(layer(l).activation().specName()).append(")")
                    .append(layer(l).everyStep() ? " on every state" : "");
        }
        doc.heading("One training step of a recurrent network (backprop through time)");
        doc.prose(shape + (last == 0 ? "; the loss takes every state h_1 … h_" + t
                : perStep() ? "; the dense layer takes every state h_1 … h_" + t + " (the same weights at each step), and the loss every step's output"
                : "; the dense layer takes the last state h_" + t));
        for (int b = 0; b < spec.batch(); b++) {
            List<List<String>> rows = new ArrayList<>();
            for (int s0 = 0; s0 < t; s0++) rows.add(List.of("t = " + (s0 + 1), vec(at(spec.input(), b, s0, features()))));
            doc.table(List.of(spec.batch() == 1 ? "step" : "sample " + (b + 1) + " step", "input x_{t}"), rows);
        }
        boolean given = r.recurrent().initialState() != null;
        doc.prose("initial state $h_{0} = " + vec(r.initialState(0)) + "$" + (given ? "" : " (zeros: none given)")
                + (spec.batch() > 1 && given && r.recurrent().initialState().length > 1 ? " for sample 1 (one per sample)" : ""));
        if (spec.batch() == 1) {
            doc.prose("target $y = " + vec(spec.target()[0]) + "$" + (last == 0 ? " (steps x hidden, flat: one per state)"
                    : perStep() ? " (steps x units, flat: one row per step)" : ""));
        } else {
            List<List<String>> rows = new ArrayList<>();
            for (int b = 0; b < spec.batch(); b++) rows.add(List.of(String.valueOf(b + 1), vec(spec.target()[b])));
            doc.table(List.of("sample", "target y"), rows);
        }
        doc.prose("loss: " + spec.loss().specName() + (spec.learningRate() == null ? "; no learning rate, so no update"
                : "; learning rate $η = " + num(spec.learningRate()) + "$"));
        doc.prose("W_ih is hidden x features and W_hh hidden x hidden (PyTorch's layout): $w^{ih}_{j,k}$ joins feature k to hidden unit j, "
                + "$w^{hh}_{j,i}$ unit i of the state before to unit j. $h_{t,j}$ is unit j of the state after step t. Steps and units count "
                + "from 1 here; json output and check paths count from 0.");
        doc.blank();
    }

    // ------------------------------------------------------------------------------ forward

    void forward(int l) {
        NetworkSpec.Layer r = layer(l);
        StepSolution.LayerStep st = s.layers().get(l);
        int h = r.hidden();
        int f = features();
        doc.subheading("Layer " + (l + 1) + ": " + describe(l) + sampleNote());
        doc.formula("net_{t} = W_{ih}*x_{t}" + (r.hasBias() ? " + b_{ih}" : "") + " + W_{hh}*h_{t−1}" + (r.biasHh() != null ? " + b_{hh}" : "")
                + ",\\quad h_{t} = tanh(net_{t})\\note{the same weights at every step, starting from the initial state}");
        int shown = 0;
        for (int t = 0; t < spec.steps(); t++) {
            double[] xs = at(spec.input(), 0, t, f);
            double[] hp = prev(l, 0, t);
            doc.prose("Step " + (t + 1) + ": $x_{" + (t + 1) + "} = " + vec(xs) + "$, $h_{" + t + "} = " + vec(hp) + "$");
            for (int j = 0; j < h; j++) {
                if (shown++ >= MAX_LINES) continue;
                List<String> terms = new ArrayList<>();
                for (int k = 0; k < f; k++) terms.add(fac(r.weights()[j][k]) + "*" + fac(xs[k]));
                if (r.hasBias()) terms.add(fac(r.bias()[j]));
                for (int i = 0; i < h; i++) terms.add(fac(r.weightsHh()[j][i]) + "*" + fac(hp[i]));
                if (r.biasHh() != null) terms.add(fac(r.biasHh()[j]));
                doc.eq(net(t, j) + " = " + join(terms) + " = " + num(st.net()[0][t * h + j]));
                doc.eq(state(t, j) + " = tanh(" + num(st.net()[0][t * h + j]) + ") = " + num(st.output()[0][t * h + j]));
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more units in the table)");
        List<List<String>> rows = new ArrayList<>();
        for (int t = 0; t < spec.steps(); t++) {
            rows.add(List.of("t = " + (t + 1), vec(prev(l, 0, t)), vec(at(st.net(), 0, t, h)), vec(at(st.output(), 0, t, h))));
        }
        doc.table(List.of("step", "h_{t−1}", "net_{t}", "h_{t}"), rows);
    }

    // ------------------------------------------------------------------------------ backward

    void backward(int l) {
        NetworkSpec.Layer r = layer(l);
        StepSolution.LayerStep st = s.layers().get(l);
        StepSolution.Recurrent rec = st.recurrent();
        int h = r.hidden();
        int t0 = spec.steps();
        boolean top = l == last;
        boolean each = spec.everyStep(l + 1);
        doc.prose("Backprop through time: from the last step back to the first. The gradient at a state has two parts: what comes "
                + (top ? "from the loss at that state" : each ? "from the output at that step (the dense layer on every state)"
                : "from above (the next layer, which sees the last state h_" + t0 + " alone)")
                + ", and what the next step sends back through W_hh, since h_t is also an input of net_{t+1}.");
        doc.formula("∂L/∂h_{t} = (∂L/∂h_{t})_{\\text{above}} + W_{hh}^{T}*∂L/∂net_{t+1},\\quad ∂L/∂net_{t} = ∂L/∂h_{t} * (1 − h_{t}^{2})"
                + "\\note{tanh' is 1 − tanh²; nothing comes back to the last step, which has no step after it}");
        if (top) {
            doc.formula("(∂L/∂h_{t,j})_{\\text{above}} = " + spec.loss().gradient() + "\\note{the loss's gradient at each state}");
        } else if (each) {
            NetworkSpec.Layer next = layer(l + 1);
            int v = next.units();
            doc.formula("(∂L/∂h_{t,i})_{\\text{above}} = Σ_{j} ∂L/∂z_{t,j} * w_{ij}\\quad\\text{(w of layer " + (l + 2) + ", the same at every step)}");
            double[] d = s.layers().get(l + 1).netGrad()[0];
            int shown = 0;
            for (int t = 0; t < t0; t++) {
                for (int i = 0; i < h; i++) {
                    if (shown++ >= MAX_LINES) continue;
                    List<String> terms = new ArrayList<>();
                    for (int j = 0; j < v; j++) terms.add(fac(d[t * v + j]) + "*" + fac(next.weights()[i][j]));
                    doc.eq("(∂L/∂" + state(t, i) + ")_{\\text{above}} = " + join(terms) + " = " + num(rec.fromAbove()[0][t * h + i]));
                }
            }
            if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the table)");
        } else {
            NetworkSpec.Layer next = layer(l + 1);
            doc.formula("(∂L/∂h_{" + t0 + ",i})_{\\text{above}} = Σ_{j} ∂L/∂net " + ExplainDoc.unitName(l + 1, last) + "_{j} * w_{ij}\\quad\\text{(w of layer "
                    + (l + 2) + ")}");
            double[] d = s.layers().get(l + 1).netGrad()[0];
            for (int i = 0; i < h && i < MAX_LINES; i++) {
                List<String> terms = new ArrayList<>();
                for (int j = 0; j < next.units(); j++) terms.add(fac(d[j]) + "*" + fac(next.weights()[i][j]));
                doc.eq("(∂L/∂" + state(t0 - 1, i) + ")_{\\text{above}} = " + join(terms) + " = " + num(rec.fromAbove()[0][(t0 - 1) * h + i]));
            }
        }
        int shown = 0;
        for (int t = t0 - 1; t >= 0; t--) {
            doc.prose("Step " + (t + 1) + (t == t0 - 1 ? " (the last: nothing comes back from a later step)" : "") + ":");
            for (int j = 0; j < h; j++) {
                if (shown++ >= MAX_LINES) continue;
                int c = t * h + j;
                String above = fac(rec.fromAbove()[0][c]);
                // the loss's gradient at the state, worked out, when it is mse's
                String worked = top && spec.loss() == io.backprop4j.loss.Loss.MSE
                        ? "2*(" + num(st.output()[0][c]) + " − " + fac(spec.target()[0][c]) + ")/" + spec.batch() * spec.outputs() : null;
                if (t == t0 - 1) {
                    doc.eq("∂L/∂" + state(t, j) + " = " + (worked == null ? "" : worked + " = ") + num(st.outputGrad()[0][c])
                            + (each ? "\\note{from the output at the last step alone}" : "\\note{from above alone}"));
                } else if (worked != null) {
                    List<String> terms = new ArrayList<>();
                    for (int i = 0; i < h; i++) terms.add(fac(st.netGrad()[0][(t + 1) * h + i]) + "*" + fac(r.weightsHh()[i][j]));
                    doc.eq("∂L/∂" + state(t, j) + " = " + worked + " + (" + join(terms) + ") = " + above + " + " + fac(rec.recurrentGrad()[0][c])
                            + " = " + num(st.outputGrad()[0][c]) + "\\note{the loss at this state, plus what step " + (t + 2) + " sends back through W_hh}");
                } else {
                    List<String> terms = new ArrayList<>();
                    for (int i = 0; i < h; i++) terms.add(fac(st.netGrad()[0][(t + 1) * h + i]) + "*" + fac(r.weightsHh()[i][j]));
                    doc.eq("∂L/∂" + state(t, j) + " = " + above + " + (" + join(terms) + ") = " + above + " + " + fac(rec.recurrentGrad()[0][c])
                            + " = " + num(st.outputGrad()[0][c]) + "\\note{" + (each ? "from the output at step " + (t + 1) : "from above")
                            + ", plus what step " + (t + 2) + " sends back through W_hh}");
                }
                double hv = st.output()[0][c];
                doc.eq("∂L/∂" + net(t, j) + " = " + fac(st.outputGrad()[0][c]) + "*(1 − " + fac(hv) + "^{2}) = " + fac(st.outputGrad()[0][c]) + "*"
                        + fac(st.localGrad()[0][c]) + " = " + num(st.netGrad()[0][c]));
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more units in the table)");
        List<List<String>> rows = new ArrayList<>();
        for (int t = 0; t < t0; t++) {
            rows.add(List.of("t = " + (t + 1), vec(at(rec.fromAbove(), 0, t, h)), vec(at(rec.recurrentGrad(), 0, t, h)), vec(at(st.outputGrad(), 0, t, h)),
                    vec(at(st.localGrad(), 0, t, h)), vec(at(st.netGrad(), 0, t, h))));
        }
        doc.table(List.of("step", "∂L/∂h_{t} above", "W_{hh}^{T}*∂L/∂net_{t+1}", "∂L/∂h_{t}", "1 − h_{t}^{2}", "∂L/∂net_{t}"), rows);
        doc.prose("$∂L/∂h_{0} = " + vec(rec.initialStateGrad()[0]) + "$ (what reaches the initial state: W_hhᵀ·∂L/∂net_1)");
        weights(l);
    }

    /** Each weight's gradient as the sum of its steps' contributions, every contribution worked out. */
    private void weights(int l) {
        NetworkSpec.Layer r = layer(l);
        StepSolution.LayerStep st = s.layers().get(l);
        StepSolution.Recurrent rec = st.recurrent();
        int h = r.hidden();
        int f = features();
        int t0 = spec.steps();
        boolean batch = spec.batch() > 1;
        doc.prose("The weights are shared by every step, so each weight's gradient is the sum of one contribution per step"
                + (batch ? " (each summed over the batch)" : "") + ":");
        doc.formula("∂L/∂W_{ih} = Σ_{t} ∂L/∂net_{t}*x_{t}^{T},\\quad ∂L/∂W_{hh} = Σ_{t} ∂L/∂net_{t}*h_{t−1}^{T},\\quad ∂L/∂b = Σ_{t} ∂L/∂net_{t}"
                + "\\note{step t reads the state before it: x_t and h_t−1}");
        int shown = 0;
        for (int j = 0; j < h; j++) {
            for (int k = 0; k < f; k++) {
                if (shown++ >= MAX_LINES) continue;
                List<String> terms = new ArrayList<>();
                List<String> parts = new ArrayList<>();
                for (int t = 0; t < t0; t++) {
                    terms.add(fac(st.netGrad()[0][t * h + j]) + "*" + fac(spec.input()[0][t * f + k]));
                    parts.add(fac(rec.weightsGradSteps().get(t)[j][k]));
                }
                doc.eq("∂L/∂" + wih(j, k) + " = " + (batch ? "" : join(terms) + " = ") + join(parts) + " = " + num(st.weightsGrad()[j][k])
                        + (batch ? "\\note{step by step, each summed over the samples}" : ""));
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the table)");
        contributions("∂L/∂W_{ih}", h, f, rec.weightsGradSteps(), st.weightsGrad(), RnnDoc::wih);
        shown = 0;
        for (int j = 0; j < h; j++) {
            for (int i = 0; i < h; i++) {
                if (shown++ >= MAX_LINES) continue;
                List<String> terms = new ArrayList<>();
                List<String> parts = new ArrayList<>();
                for (int t = 0; t < t0; t++) {
                    terms.add(fac(st.netGrad()[0][t * h + j]) + "*" + fac(prev(l, 0, t)[i]));
                    parts.add(fac(rec.weightsHhGradSteps().get(t)[j][i]));
                }
                doc.eq("∂L/∂" + whh(j, i) + " = " + (batch ? "" : join(terms) + " = ") + join(parts) + " = " + num(rec.weightsHhGrad()[j][i])
                        + (batch ? "\\note{step by step, each summed over the samples}" : "\\note{each step's gradient at unit " + (j + 1) + " times unit " + (i + 1) + " of the state before}"));
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the table)");
        contributions("∂L/∂W_{hh}", h, h, rec.weightsHhGradSteps(), rec.weightsHhGrad(), RnnDoc::whh);
        if (r.hasBias() || r.biasHh() != null) {
            for (int j = 0; j < h; j++) {
                List<String> parts = new ArrayList<>();
                for (int t = 0; t < t0; t++) parts.add(fac(rec.biasGradSteps().get(t)[0][j]));
                double total = r.hasBias() ? st.biasGrad()[j] : rec.biasHhGrad()[j];
                String lhs = (r.hasBias() ? "∂L/∂b^{ih}_{" + (j + 1) + "}" : "") + (r.hasBias() && r.biasHh() != null ? " = " : "")
                        + (r.biasHh() != null ? "∂L/∂b^{hh}_{" + (j + 1) + "}" : "");
                doc.eq(lhs + " = Σ_{t} ∂L/∂net_{t," + (j + 1) + "} = " + join(parts) + " = " + num(total));
            }
        }
    }

    private interface Name {
        String of(int j, int k);
    }

    /** A table of a weight gradient's contributions: one row per weight, one column per step, their sum. */
    private void contributions(String what, int rows, int cols, List<double[][]> steps, double[][] total, Name name) {
        List<String> header = new ArrayList<>(List.of(what));
        for (int t = 0; t < steps.size(); t++) header.add("t = " + (t + 1));
        header.add("sum");
        List<List<String>> body = new ArrayList<>();
        for (int j = 0; j < rows; j++) {
            for (int k = 0; k < cols; k++) {
                List<String> row = new ArrayList<>(List.of(name.of(j, k)));
                for (double[][] c : steps) row.add(num(c[j][k]));
                row.add(num(total[j][k]));
                body.add(row);
            }
        }
        doc.table(header, body);
    }

    // ------------------------------------------------------------------------------ a dense layer on every state

    private static String z(int t, int j) {
        return "z_{" + (t + 1) + "," + (j + 1) + "}";
    }

    private static String p(int t, int j) {
        return "p_{" + (t + 1) + "," + (j + 1) + "}";
    }

    /** The forward pass of the dense layer on every state: each step's net z_t = h_t·W + b and output p_t = f(z_t). */
    void stepsForward(int l) {
        NetworkSpec.Layer d = layer(l);
        StepSolution.LayerStep st = s.layers().get(l);
        int v = d.units();
        int h = d.inputs();
        boolean softmax = d.activation() instanceof io.backprop4j.nn.Softmax;
        doc.subheading("Layer " + (l + 1) + ": dense " + h + " → " + v + " units on every state, " + d.activation().specName()
                + (d.hasBias() ? ", with bias" : ", no bias") + sampleNote());
        doc.formula("z_{t,j} = Σ_{i} h_{t,i}*w_{ij}" + (d.hasBias() ? " + b_{j}" : "") + ",\\quad p_{t} = f(z_{t})"
                + "\\note{the same weights at every step" + (softmax ? "; a softmax over each step's units" : "") + "}");
        double[] hs = s.layers().get(l - 1).output()[0];
        int shown = 0;
        for (int t = 0; t < spec.steps(); t++) {
            doc.prose("Step " + (t + 1) + ": $h_{" + (t + 1) + "} = " + vec(java.util.Arrays.copyOfRange(hs, t * h, (t + 1) * h)) + "$");
            for (int j = 0; j < v; j++) {
                if (shown++ >= MAX_LINES) continue;
                List<String> terms = new ArrayList<>();
                for (int i = 0; i < h; i++) terms.add(fac(hs[t * h + i]) + "*" + fac(d.weights()[i][j]));
                if (d.hasBias()) terms.add(fac(d.bias()[j]));
                doc.eq(z(t, j) + " = " + join(terms) + " = " + num(st.net()[0][t * v + j]));
            }
            for (int j = 0; j < v && shown < MAX_LINES; j++) {
                String rhs;
                if (softmax) {
                    List<String> den = new ArrayList<>();
                    for (int k = 0; k < v; k++) den.add("e^{" + num(st.net()[0][t * v + k]) + "}");
                    rhs = "e^{" + num(st.net()[0][t * v + j]) + "} / (" + join(den) + ")";
                } else {
                    rhs = "f(" + num(st.net()[0][t * v + j]) + ")";
                }
                doc.eq(p(t, j) + " = " + rhs + " = " + num(st.output()[0][t * v + j]));
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the table)");
        List<List<String>> rows = new ArrayList<>();
        for (int t = 0; t < spec.steps(); t++) {
            rows.add(List.of("t = " + (t + 1), vec(at(st.net(), 0, t, v)), vec(at(st.output(), 0, t, v)), vec(at(spec.target(), 0, t, v))));
        }
        doc.table(List.of("step", "z_{t}", "p_{t}", "target y_{t}"), rows);
    }

    /** The loss as the sum of one part per step, each worked out, and its value. */
    void stepsLoss() {
        int t0 = spec.steps();
        int n = spec.batch();
        int v = layer(last).units();
        double[][] out = s.layers().get(last).output();
        double[] parts = new Steps(spec).stepLosses(out);
        io.backprop4j.loss.Loss loss = spec.loss();
        String mean = switch (loss) {
            case MSE, BINARY_CROSS_ENTROPY -> "N = " + n * t0 * v + "\\note{every output of every step of every sample: a mean over N·T·V, as PyTorch's over [N, T, V]}";
            default -> "B = " + n * t0 + "\\note{one row per step of each sample: a mean over the N·T = " + n * t0
                    + " steps, as PyTorch's cross-entropy over [N·T, V]}";
        };
        doc.formula(loss.formula() + ", " + mean);
        doc.formula("L = Σ_{t} L_{t}\\note{L_t: step t's terms of the mean" + (n > 1 ? ", every sample's" : "") + "}");
        int denom = loss == io.backprop4j.loss.Loss.CROSS_ENTROPY ? n * t0 : n * t0 * v;
        for (int t = 0; t < t0; t++) {
            List<String> terms = new ArrayList<>();
            for (int j = 0; j < v; j++) {
                double pv = out[0][t * v + j];
                double y = spec.target()[0][t * v + j];
                switch (loss) {
                    case MSE -> terms.add("(" + num(pv) + " − " + fac(y) + ")^{2}");
                    case BINARY_CROSS_ENTROPY -> {
                        terms.add(fac(y) + "*ln(" + num(pv) + ")");
                        terms.add(fac(1 - y) + "*ln(1 − " + num(pv) + ")");
                    }
                    default -> {
                        if (y != 0) terms.add(fac(y) + "*ln(" + num(pv) + ")");
                    }
                }
            }
            String sign = loss == io.backprop4j.loss.Loss.MSE ? "" : "−";
            doc.eq("L_{" + (t + 1) + "} = " + sign + "(1/" + denom + ")*[" + join(terms) + (n > 1 ? " + \\text{the other samples' terms}" : "")
                    + "] = " + num(parts[t]));
        }
        List<String> sum = new ArrayList<>();
        for (double d : parts) sum.add(fac(d));
        doc.eq("L = " + join(sum) + " = " + num(s.loss()));
    }

    /** The backward pass of the dense layer on every state: ∂L/∂p_t, ∂L/∂z_t per step, and its weights' gradient as a sum over the steps. */
    void stepsBackward(int l) {
        NetworkSpec.Layer d = layer(l);
        StepSolution.LayerStep st = s.layers().get(l);
        int v = d.units();
        int h = d.inputs();
        int t0 = spec.steps();
        int n = spec.batch();
        boolean softmax = d.activation() instanceof io.backprop4j.nn.Softmax;
        doc.subheading("Layer " + (l + 1) + " (dense on every state, " + d.activation().specName() + ")" + sampleNote());
        io.backprop4j.loss.Loss loss = spec.loss();
        int rows = loss == io.backprop4j.loss.Loss.CROSS_ENTROPY ? n * t0 : n * t0 * v;
        doc.formula("∂L/∂p_{t,j} = " + loss.gradient() + ", " + (loss == io.backprop4j.loss.Loss.CROSS_ENTROPY ? "B" : "N") + " = " + rows
                + "\\note{each step's output gets the loss's gradient from its own terms}");
        double[] y = spec.target()[0];
        double[] out = st.output()[0];
        int shown = 0;
        for (int t = 0; t < t0; t++) {
            doc.prose("Step " + (t + 1) + ":");
            for (int j = 0; j < v; j++) {
                if (shown++ >= MAX_LINES) continue;
                int c = t * v + j;
                String rhs = switch (loss) {
                    case MSE -> "2*(" + num(out[c]) + " − " + fac(y[c]) + ")/" + rows;
                    case BINARY_CROSS_ENTROPY -> "(" + num(out[c]) + " − " + fac(y[c]) + ") / (" + rows + "*" + fac(out[c]) + "*(1 − " + num(out[c]) + "))";
                    default -> "−" + fac(y[c]) + " / (" + rows + "*" + fac(out[c]) + ")";
                };
                doc.eq("∂L/∂" + p(t, j) + " = " + rhs + " = " + num(st.outputGrad()[0][c]));
            }
            for (int j = 0; j < v && shown < MAX_LINES; j++) {
                int c = t * v + j;
                if (softmax) {
                    List<String> terms = new ArrayList<>();
                    for (int k = 0; k < v; k++) terms.add(fac(out[t * v + k]) + "*" + fac(st.outputGrad()[0][t * v + k]));
                    doc.eq("∂L/∂" + z(t, j) + " = " + fac(out[c]) + "*(" + fac(st.outputGrad()[0][c]) + " − (" + join(terms) + ")) = " + num(st.netGrad()[0][c])
                            + (j == 0 ? "\\note{softmax: p_j*(∂L/∂p_j − Σ_k p_k*∂L/∂p_k) within the step}" : ""));
                } else {
                    doc.eq("∂L/∂" + z(t, j) + " = " + fac(st.outputGrad()[0][c]) + "*" + fac(st.localGrad()[0][c]) + " = " + num(st.netGrad()[0][c]));
                }
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the table)");
        List<List<String>> table = new ArrayList<>();
        for (int t = 0; t < t0; t++) table.add(List.of("t = " + (t + 1), vec(at(st.outputGrad(), 0, t, v)), vec(at(st.netGrad(), 0, t, v))));
        doc.table(List.of("step", "∂L/∂p_{t}", "∂L/∂z_{t}"), table);
        doc.prose("The weights are shared by every step, so their gradient is the sum of one contribution per step"
                + (n > 1 ? " (each summed over the batch)" : "") + ":");
        doc.formula("∂L/∂w_{ij} = Σ_{t} h_{t,i}*∂L/∂z_{t,j}" + (d.hasBias() ? ",\\quad ∂L/∂b_{j} = Σ_{t} ∂L/∂z_{t,j}" : ""));
        double[][] hs = s.layers().get(l - 1).output();
        List<double[][]> contrib = stepContributions(hs, st.netGrad(), h, v);
        shown = 0;
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < v; j++) {
                if (shown++ >= MAX_LINES) continue;
                List<String> terms = new ArrayList<>();
                List<String> parts = new ArrayList<>();
                for (int t = 0; t < t0; t++) {
                    terms.add(fac(hs[0][t * h + i]) + "*" + fac(st.netGrad()[0][t * v + j]));
                    parts.add(fac(contrib.get(t)[i][j]));
                }
                doc.eq("∂L/∂w_{" + (i + 1) + "," + (j + 1) + "} = " + (n > 1 ? "" : join(terms) + " = ") + join(parts) + " = " + num(st.weightsGrad()[i][j]));
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the table)");
        contributions("∂L/∂W", h, v, contrib, st.weightsGrad(), (i, j) -> "w_{" + (i + 1) + "," + (j + 1) + "}");
        if (d.hasBias()) {
            for (int j = 0; j < v && j < MAX_LINES; j++) {
                List<String> parts = new ArrayList<>();
                for (int t = 0; t < t0; t++) parts.add(fac(Steps.biasGradient(RnnSteps.at(st.netGrad(), t, v))[0][j]));
                doc.eq("∂L/∂b_{" + (j + 1) + "} = Σ_{t} ∂L/∂z_{t," + (j + 1) + "} = " + join(parts) + " = " + num(st.biasGrad()[j]));
            }
        }
    }

    /** Step t's contribution h_tᵀ·∂L/∂z_t to the dense weights' gradient, summed over the batch, by the engine: one [H][V] per step. */
    static List<double[][]> stepContributions(double[][] states, double[][] netGrad, int h, int v) {
        List<double[][]> out = new ArrayList<>();
        for (int t = 0; t < netGrad[0].length / v; t++) out.add(Steps.weightsGradient(RnnSteps.at(states, t, h), RnnSteps.at(netGrad, t, v)));
        return out;
    }

    // ------------------------------------------------------------------------------ update

    void update(int l) {
        NetworkSpec.Layer r = layer(l);
        StepSolution.LayerStep st = s.layers().get(l);
        StepSolution.Recurrent rec = st.recurrent();
        double lr = spec.learningRate();
        int h = r.hidden();
        int shown = 0;
        for (int j = 0; j < h; j++) {
            for (int k = 0; k < features(); k++) {
                if (shown++ >= MAX_LINES) continue;
                doc.eq(wih(j, k) + " = " + num(r.weights()[j][k]) + " − " + num(lr) + "*" + fac(st.weightsGrad()[j][k]) + " = " + num(st.weightsUpdated()[j][k]));
            }
            for (int i = 0; i < h; i++) {
                if (shown++ >= MAX_LINES) continue;
                doc.eq(whh(j, i) + " = " + num(r.weightsHh()[j][i]) + " − " + num(lr) + "*" + fac(rec.weightsHhGrad()[j][i]) + " = "
                        + num(rec.weightsHhUpdated()[j][i]));
            }
        }
        if (shown > MAX_LINES) doc.prose("(" + (shown - MAX_LINES) + " more in the json output)");
        for (int j = 0; j < h && j < MAX_LINES; j++) {
            if (r.hasBias()) {
                doc.eq("b^{ih}_{" + (j + 1) + "} = " + num(r.bias()[j]) + " − " + num(lr) + "*" + fac(st.biasGrad()[j]) + " = " + num(st.biasUpdated()[j]));
            }
            if (r.biasHh() != null) {
                doc.eq("b^{hh}_{" + (j + 1) + "} = " + num(r.biasHh()[j]) + " − " + num(lr) + "*" + fac(rec.biasHhGrad()[j]) + " = " + num(rec.biasHhUpdated()[j]));
            }
        }
    }
}
