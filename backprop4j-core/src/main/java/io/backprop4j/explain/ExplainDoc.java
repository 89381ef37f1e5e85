package io.backprop4j.explain;

import static io.backprop4j.explain.Doc.fac;
import static io.backprop4j.explain.Doc.num;
import static io.backprop4j.explain.Doc.sub;

import io.backprop4j.loss.Loss;
import io.backprop4j.nn.Activation;
import io.backprop4j.nn.Identity;
import io.backprop4j.nn.Sigmoid;
import io.backprop4j.nn.Softmax;
import io.backprop4j.nn.Tanh;
import java.util.ArrayList;
import java.util.List;

/** Builds the worked solution of a {@link StepSolution} as a {@link Doc}. */
final class ExplainDoc {
    /** Sums longer than this are cut with "…". */
    private static final int MAX_TERMS = 8;
    /** Per-weight lines beyond this are left to the table. */
    private static final int MAX_LINES = 36;

    private final StepSolution s;
    private final NetworkSpec spec;
    private final Doc doc = new Doc();
    private final int batch;
    private final int last;
    private final ConvDoc conv;
    private final RnnDoc rnn;

    private ExplainDoc(StepSolution s) {
        this.s = s;
        this.spec = s.spec();
        this.batch = spec.batch();
        this.last = spec.layers().size() - 1;
        this.conv = new ConvDoc(s, doc);
        this.rnn = new RnnDoc(s, doc);
    }

    static Doc build(StepSolution s) {
        ExplainDoc e = new ExplainDoc(s);
        e.intro();
        e.forward();
        e.loss();
        e.backward();
        e.update();
        return e.doc;
    }

    // ------------------------------------------------------------------------------ names

    private String unit(int l) {
        return unitName(l, last);
    }

    /** The letter of layer l's units in the markup: o for the output layer, h (or h⁽ˡ⁾ with several hidden layers) before it. */
    static String unitName(int l, int last) {
        if (l == last) return "o";
        return last == 1 ? "h" : "h^{(" + (l + 1) + ")}";
    }

    private String unit(int l, int j) {
        return sub(unit(l), j);
    }

    private String in(int l, int i) {
        return l == 0 ? sub("x", i) : afterRnn(l) ? RnnDoc.state(spec.steps() - 1, i) : "out " + unit(l - 1, i);
    }

    /** Whether layer l takes an rnn's last state. */
    private boolean afterRnn(int l) {
        return l > 0 && spec.layers().get(l - 1).kind() == NetworkSpec.Kind.RNN;
    }

    private double[] inRow(int l, int sample) {
        if (l == 0) return spec.input()[sample];
        double[] row = s.layers().get(l - 1).output()[sample];
        if (!afterRnn(l)) return row;
        int h = spec.layers().get(l - 1).hidden();
        return java.util.Arrays.copyOfRange(row, row.length - h, row.length);
    }

    private static String join(List<String> terms) {
        if (terms.size() <= MAX_TERMS) return String.join(" + ", terms);
        return String.join(" + ", terms.subList(0, MAX_TERMS - 2)) + " + … + " + terms.getLast() + "\\text{ (" + terms.size() + " terms)}";
    }

    private static String vec(double[] v) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < v.length && i < 12; i++) parts.add(num(v[i]));
        if (v.length > 12) parts.add("…\\text{ (" + v.length + " values)}");
        return "[" + String.join(", ", parts) + "]";
    }

    private String sampleNote() {
        return batch == 1 ? "" : " (sample 1 written out; every sample in the table)";
    }

    // ------------------------------------------------------------------------------ parts

    private void intro() {
        if (spec.sequence()) {
            rnn.intro();
            return;
        }
        if (!spec.dense()) {
            imageIntro();
            return;
        }
        StringBuilder shape = new StringBuilder().append(spec.layers().get(0).inputs());
        for (NetworkSpec.Layer l : spec.layers()) shape.append('-').append(l.units());
        doc.heading("One training step of a " + shape + " network");
        if (batch == 1) {
            doc.prose("input $x = " + vec(spec.input()[0]) + "$, target $y = " + vec(spec.target()[0]) + "$");
        } else {
            doc.prose("a batch of " + batch + " samples (inputs and targets in the tables below)");
            List<List<String>> rows = new ArrayList<>();
            for (int b = 0; b < batch; b++) rows.add(List.of(String.valueOf(b + 1), vec(spec.input()[b]), vec(spec.target()[b])));
            doc.table(List.of("sample", "input x", "target y"), rows);
        }
        doc.prose("loss: " + spec.loss().specName() + (spec.learningRate() == null ? "; no learning rate, so no update"
                : "; learning rate $η = " + num(spec.learningRate()) + "$"));
        doc.prose("Weights are inputs x units: $w_{ij}$ joins input i to unit j. Units count from 1 here; "
                + "json output and check paths count from 0.");
        doc.blank();
    }

    /** The intro of a network with image layers: its shapes layer by layer, the input as grids. */
    private void imageIntro() {
        StringBuilder shape = new StringBuilder(NetworkSpec.str(spec.inputShape()));
        for (int l = 0; l <= last; l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            shape.append(" → ").append(layer.kind() == NetworkSpec.Kind.DENSE ? "dense " : layer.kind().specName() + " ")
                    .append(NetworkSpec.str(spec.outShape(l)));
        }
        doc.heading("One training step of a convolutional network");
        doc.prose("shapes per sample (channels x height x width): " + shape);
        int[] is = spec.inputShape();
        for (int b = 0; b < batch; b++) {
            if (is.length == 3) conv.grids((batch == 1 ? "" : "sample " + (b + 1) + " ") + "input x", spec.input()[b], is);
            else doc.prose("input $x = " + vec(spec.input()[b]) + "$");
        }
        doc.prose(batch == 1 ? "target $y = " + vec(spec.target()[0]) + "$" : "a batch of " + batch + " samples; targets:");
        if (batch > 1) {
            List<List<String>> rows = new ArrayList<>();
            for (int b = 0; b < batch; b++) rows.add(List.of(String.valueOf(b + 1), vec(spec.target()[b])));
            doc.table(List.of("sample", "target y"), rows);
        }
        doc.prose("loss: " + spec.loss().specName() + (spec.learningRate() == null ? "; no learning rate, so no update"
                : "; learning rate $η = " + num(spec.learningRate()) + "$"));
        doc.prose("Convolution weights are out x in x kh x kw (PyTorch's layout): $w_{o,c,u,v}$ is filter o's weight for input channel c "
                + "at kernel row u, column v. Dense weights are inputs x units. Indices count from 1 here; json output and check paths count from 0.");
        doc.blank();
    }

    private void forward() {
        doc.mark("step forward");
        doc.heading("Forward pass");
        for (int l = 0; l <= last; l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            StepSolution.LayerStep st = s.layers().get(l);
            doc.mark("layer forward " + l);
            if (layer.everyStep()) {
                rnn.stepsForward(l);
                doc.mark("answers forward " + l);
                doc.blank();
                continue;
            }
            if (layer.kind() != NetworkSpec.Kind.DENSE) {
                if (layer.kind() == NetworkSpec.Kind.RNN) rnn.forward(l);
                else conv.forward(l);
                doc.mark("answers forward " + l);
                doc.blank();
                continue;
            }
            String a = layer.activation().specName() + (NetworkSpec.hasAlpha(layer.activation().specName()) ? " (α = " + num(layer.alpha()) + ")" : "");
            doc.subheading("Layer " + (l + 1) + ": " + layer.inputs() + " → " + layer.units() + " units, " + a
                    + (layer.hasBias() ? ", with bias" : ", no bias") + sampleNote());
            doc.formula("net " + unit(l) + "_{j} = Σ_{i} " + (l == 0 ? "x_{i}" : afterRnn(l) ? "h_{" + spec.steps() + ",i}" : "out " + unit(l - 1) + "_{i}") + "*w_{ij}"
                    + (layer.hasBias() ? " + b_{j}" : ""));
            double[] x = inRow(l, 0);
            int shown = 0;
            for (int j = 0; j < layer.units() && shown < MAX_LINES; j++, shown++) {
                List<String> terms = new ArrayList<>();
                for (int i = 0; i < layer.inputs(); i++) terms.add(fac(x[i]) + "*" + fac(layer.weights()[i][j]));
                if (layer.hasBias()) terms.add(fac(layer.bias()[j]));
                doc.eq("net " + unit(l, j) + " = " + join(terms) + " = " + num(st.net()[0][j]));
            }
            doc.formula(activationFormula(layer.activation()));
            double[] net = st.net()[0];
            for (int j = 0; j < layer.units() && j < MAX_LINES; j++) {
                String rhs;
                if (layer.activation() instanceof Softmax) {
                    List<String> den = new ArrayList<>();
                    for (double z : net) den.add("e^{" + num(z) + "}");
                    rhs = "e^{" + num(net[j]) + "} / (" + join(den) + ")";
                } else {
                    rhs = "f(" + num(net[j]) + ")";
                }
                doc.eq("out " + unit(l, j) + " = " + rhs + " = " + num(st.output()[0][j]));
            }
            perSampleTable(l, List.of("net", "out"), List.of(st.net(), st.output()));
            doc.mark("answers forward " + l);
            doc.blank();
        }
    }

    /**
     * The activation's formula as the module states it ({@link Activation#formula()}), with a note
     * naming the activation where the formula does not; identity is stated on net.
     */
    private static String activationFormula(Activation a) {
        return switch (a) {
            case Identity i -> "out = f(net) = net\\note{identity}";
            case Sigmoid g -> a.formula();
            case Tanh t -> a.formula();
            case Softmax x -> a.formula() + "\\note{softmax over the layer's units}";
            default -> a.formula() + "\\note{" + a.specName().replace('_', ' ') + "}";
        };
    }

    /** One row per unit (one sample) or per sample (a batch). */
    private void perSampleTable(int l, List<String> names, List<double[][]> values) {
        int units = spec.layers().get(l).units();
        if (batch == 1) {
            List<String> header = new ArrayList<>(List.of("unit"));
            header.addAll(names);
            List<List<String>> rows = new ArrayList<>();
            for (int j = 0; j < units; j++) {
                List<String> r = new ArrayList<>(List.of(unit(l, j)));
                for (double[][] v : values) r.add(num(v[0][j]));
                rows.add(r);
            }
            doc.table(header, rows);
            return;
        }
        for (int k = 0; k < names.size(); k++) {
            List<String> header = new ArrayList<>(List.of("sample"));
            for (int j = 0; j < units; j++) header.add(names.get(k) + " " + unit(l, j));
            List<List<String>> rows = new ArrayList<>();
            for (int b = 0; b < batch; b++) {
                List<String> r = new ArrayList<>(List.of(String.valueOf(b + 1)));
                for (int j = 0; j < units; j++) r.add(num(values.get(k)[b][j]));
                rows.add(r);
            }
            doc.table(header, rows);
        }
    }

    private void loss() {
        doc.mark("step loss");
        doc.heading("Loss: " + spec.loss().specName());
        if (rnn.perStep()) {
            rnn.stepsLoss();
            doc.mark("answers loss");
            doc.blank();
            return;
        }
        double[][] p = s.layers().get(last).output();
        double[][] y = spec.target();
        int n = batch * spec.outputs();
        List<String> terms = new ArrayList<>();
        String lhs;
        Loss loss = spec.loss();
        switch (loss) {
            case MSE -> {
                doc.formula(loss.formula() + ", N = " + n + "\\note{every output of every sample}");
                for (int b = 0; b < batch; b++) for (int j = 0; j < p[b].length; j++) terms.add("(" + num(p[b][j]) + " − " + fac(y[b][j]) + ")^{2}");
                lhs = "(1/" + n + ")*[";
            }
            case BINARY_CROSS_ENTROPY -> {
                doc.formula(loss.formula() + ", N = " + n + "\\note{every output of every sample}");
                for (int b = 0; b < batch; b++) {
                    for (int j = 0; j < p[b].length; j++) {
                        terms.add(fac(y[b][j]) + "*ln(" + num(p[b][j]) + ")");
                        terms.add(fac(1 - y[b][j]) + "*ln(1 − " + num(p[b][j]) + ")");
                    }
                }
                lhs = "−(1/" + n + ")*[";
            }
            default -> {
                doc.formula(loss.formula() + ", B = " + batch);
                for (int b = 0; b < batch; b++) for (int j = 0; j < p[b].length; j++) terms.add(fac(y[b][j]) + "*ln(" + num(p[b][j]) + ")");
                lhs = "−(1/" + batch + ")*[";
            }
        }
        doc.eq("L = " + lhs + join(terms) + "] = " + num(s.loss()));
        doc.mark("answers loss");
        doc.blank();
    }

    private void backward() {
        doc.mark("step backward");
        doc.heading("Backward pass");
        doc.prose("From the loss back to the input, one layer at a time: the chain rule multiplies each local derivative into the gradient from above.");
        for (int l = last; l >= 0; l--) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            StepSolution.LayerStep st = s.layers().get(l);
            String u = unit(l);
            doc.mark("layer backward " + l);
            if (layer.everyStep()) {
                rnn.stepsBackward(l);
                doc.mark("answers backward " + l);
                doc.blank();
                continue;
            }
            if (layer.kind() == NetworkSpec.Kind.RNN) {
                doc.subheading("Layer " + (l + 1) + " (" + rnn.describe(l) + ")" + rnn.sampleNote());
                rnn.backward(l);
                doc.mark("answers backward " + l);
                doc.blank();
                continue;
            }
            doc.subheading("Layer " + (l + 1) + " (" + (layer.kind() == NetworkSpec.Kind.DENSE ? layer.activation().specName()
                    : conv.describe(l)) + ")" + sampleNote());
            // dL/d(out)
            if (l < last && spec.layers().get(l + 1).kind() != NetworkSpec.Kind.DENSE) {
                conv.gradientFromAbove(l);
            } else if (l == last) {
                double[] p = st.output()[0];
                double[] y = spec.target()[0];
                int n = batch * spec.outputs();
                doc.formula("∂L/∂out " + u + "_{j} = " + spec.loss().gradient());
                for (int j = 0; j < layer.units() && j < MAX_LINES; j++) {
                    String rhs = switch (spec.loss()) {
                        case MSE -> "2*(" + num(p[j]) + " − " + fac(y[j]) + ")/" + n;
                        case BINARY_CROSS_ENTROPY -> "(" + num(p[j]) + " − " + fac(y[j]) + ") / (" + n + "*" + fac(p[j]) + "*(1 − " + num(p[j]) + "))";
                        default -> "−" + fac(y[j]) + " / (" + batch + "*" + fac(p[j]) + ")";
                    };
                    doc.eq("∂L/∂out " + unit(l, j) + " = " + rhs + " = " + num(st.outputGrad()[0][j]));
                }
            } else {
                NetworkSpec.Layer next = spec.layers().get(l + 1);
                double[] d = s.layers().get(l + 1).netGrad()[0];
                doc.formula("∂L/∂out " + u + "_{i} = Σ_{j} ∂L/∂net " + unit(l + 1) + "_{j} * w_{ij}\\quad\\text{(w of layer " + (l + 2) + ")}");
                for (int i = 0; i < next.inputs() && i < MAX_LINES; i++) {
                    List<String> terms = new ArrayList<>();
                    for (int j = 0; j < next.units(); j++) terms.add(fac(d[j]) + "*" + fac(next.weights()[i][j]));
                    doc.eq("∂L/∂out " + unit(l, i) + " = " + join(terms) + " = " + num(st.outputGrad()[0][i]));
                }
            }
            if (layer.kind() != NetworkSpec.Kind.DENSE) {
                if (layer.kind() == NetworkSpec.Kind.CONV2D) conv.convBackward(l);
                else if (layer.kind() == NetworkSpec.Kind.FLATTEN) perFlatTable(l);
                doc.mark("answers backward " + l);
                doc.blank();
                continue;
            }
            // local derivative and dL/d(net)
            double[] og = st.outputGrad()[0];
            if (layer.activation() instanceof Softmax) {
                doc.formula(layer.activation().derivativeFormula() + "\\text{: the softmax Jacobian}");
                doc.prose("Each output depends on every net input: the off-diagonal terms $−s_{i}*s_{j}$ couple the outputs, "
                        + "so $∂L/∂net " + u + "_{j} = Σ_{i} ∂L/∂out " + u + "_{i} * ∂s_{i}/∂z_{j}$ sums over all outputs.");
                double[][] jac = st.jacobian() == null ? null : st.jacobian()[0];
                if (jac != null) {
                    List<String> header = new ArrayList<>(List.of("∂s_{i}/∂z_{j}"));
                    for (int j = 0; j < layer.units(); j++) header.add("net " + unit(l, j));
                    List<List<String>> rows = new ArrayList<>();
                    for (int i = 0; i < layer.units(); i++) {
                        List<String> r = new ArrayList<>(List.of("out " + unit(l, i)));
                        for (int j = 0; j < layer.units(); j++) r.add(num(jac[i][j]));
                        rows.add(r);
                    }
                    doc.table(header, rows);
                    for (int j = 0; j < layer.units() && j < MAX_LINES; j++) {
                        List<String> terms = new ArrayList<>();
                        for (int i = 0; i < layer.units(); i++) terms.add(fac(og[i]) + "*" + fac(jac[i][j]));
                        doc.eq("∂L/∂net " + unit(l, j) + " = " + join(terms) + " = " + num(st.netGrad()[0][j]));
                    }
                } else {
                    double[] sv = st.output()[0];
                    for (int j = 0; j < layer.units() && j < MAX_LINES; j++) {
                        doc.eq("∂L/∂net " + unit(l, j) + " = " + fac(sv[j]) + "*(" + num(og[j]) + " − Σ_{k} s_{k}*∂L/∂out " + u + "_{k}) = " + num(st.netGrad()[0][j]));
                    }
                }
                perSampleTable(l, List.of("∂L/∂out", "∂L/∂net"), List.of(st.outputGrad(), st.netGrad()));
            } else {
                doc.formula(layer.activation().derivativeFormula() + ";\\quad∂L/∂net " + u + "_{j} = ∂L/∂out " + u + "_{j} * f'(net " + u + "_{j})");
                double[] f1 = st.localGrad()[0];
                for (int j = 0; j < layer.units() && j < MAX_LINES; j++) {
                    doc.eq("∂L/∂net " + unit(l, j) + " = " + fac(og[j]) + "*" + fac(f1[j]) + " = " + num(st.netGrad()[0][j]));
                }
                perSampleTable(l, List.of("∂L/∂out", "f'(net)", "∂L/∂net"), List.of(st.outputGrad(), st.localGrad(), st.netGrad()));
            }
            // weights
            String inName = l == 0 ? "x_{i}" : afterRnn(l) ? "h_{" + spec.steps() + ",i}" : "out " + unit(l - 1) + "_{i}";
            doc.formula("∂L/∂w_{ij} = " + (batch > 1 ? "Σ_{\\text{samples}} " : "") + "∂L/∂net " + u + "_{j} * ∂net " + u + "_{j}/∂w_{ij} = "
                    + (batch > 1 ? "Σ_{\\text{samples}} " : "") + "∂L/∂net " + u + "_{j} * " + inName);
            int lines = 0;
            for (int i = 0; i < layer.inputs(); i++) {
                for (int j = 0; j < layer.units(); j++) {
                    if (lines++ >= MAX_LINES) continue;
                    List<String> terms = new ArrayList<>();
                    for (int b = 0; b < batch; b++) terms.add(fac(st.netGrad()[b][j]) + "*" + fac(inRow(l, b)[i]));
                    doc.eq("∂L/∂" + sub("w", i, j) + " = " + join(terms) + " = " + num(st.weightsGrad()[i][j]));
                }
            }
            if (lines > MAX_LINES) doc.prose("(" + (lines - MAX_LINES) + " more in the table)");
            doc.prose("∂L/∂W of layer " + (l + 1) + " (inputs x units):");
            matrixTable(l, st.weightsGrad());
            if (layer.hasBias()) {
                doc.formula("∂L/∂b_{j} = " + (batch > 1 ? "Σ_{\\text{samples}} " : "") + "∂L/∂net " + u + "_{j} * 1");
                List<String> cells = new ArrayList<>();
                for (int j = 0; j < layer.units(); j++) cells.add(num(st.biasGrad()[j]));
                doc.table(biasHeader(l), List.of(withLabel("∂L/∂b", cells)));
            }
            doc.mark("answers backward " + l);
            doc.blank();
        }
    }

    /** A flatten layer's output gradient, one row per value. */
    private void perFlatTable(int l) {
        double[] g = s.layers().get(l).outputGrad()[0];
        List<List<String>> rows = new ArrayList<>();
        for (int k = 0; k < g.length; k++) rows.add(List.of(unit(l, k), num(g[k])));
        doc.table(List.of("unit", "∂L/∂out"), rows);
    }

    private List<String> biasHeader(int l) {
        List<String> h = new ArrayList<>(List.of(""));
        for (int j = 0; j < spec.layers().get(l).units(); j++) h.add(unit(l, j));
        return h;
    }

    private static List<String> withLabel(String label, List<String> cells) {
        List<String> r = new ArrayList<>(List.of(label));
        r.addAll(cells);
        return r;
    }

    private void matrixTable(int l, double[][] m) {
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < m.length; i++) {
            List<String> r = new ArrayList<>(List.of(l == 0 ? sub("x", i) : afterRnn(l) ? RnnDoc.state(spec.steps() - 1, i) : unit(l - 1, i)));
            for (double v : m[i]) r.add(num(v));
            rows.add(r);
        }
        List<String> header = new ArrayList<>(List.of("input \\ unit"));
        for (int j = 0; j < m[0].length; j++) header.add(unit(l, j));
        doc.table(header, rows);
    }

    private void update() {
        Double lr = spec.learningRate();
        if (lr == null) return;
        doc.mark("step update");
        doc.heading("Update (SGD, η = " + num(lr) + ")");
        doc.formula("w ← w − η*∂L/∂w");
        for (int l = 0; l <= last; l++) {
            NetworkSpec.Layer layer = spec.layers().get(l);
            StepSolution.LayerStep st = s.layers().get(l);
            if (!layer.kind().weighted()) continue;
            doc.mark("layer update " + l);
            doc.subheading("Layer " + (l + 1));
            if (layer.kind() != NetworkSpec.Kind.DENSE) {
                if (layer.kind() == NetworkSpec.Kind.RNN) rnn.update(l);
                else conv.update(l);
                doc.mark("answers update " + l);
                doc.blank();
                continue;
            }
            int lines = 0;
            for (int i = 0; i < layer.inputs(); i++) {
                for (int j = 0; j < layer.units(); j++) {
                    if (lines++ >= MAX_LINES) continue;
                    doc.eq(sub("w", i, j) + " = " + num(layer.weights()[i][j]) + " − " + num(lr) + "*" + fac(st.weightsGrad()[i][j])
                            + " = " + num(st.weightsUpdated()[i][j]));
                }
            }
            if (lines > MAX_LINES) doc.prose("(" + (lines - MAX_LINES) + " more in the table)");
            matrixTable(l, st.weightsUpdated());
            if (layer.hasBias()) {
                for (int j = 0; j < layer.units() && j < MAX_LINES; j++) {
                    doc.eq(sub("b", j) + " = " + num(layer.bias()[j]) + " − " + num(lr) + "*" + fac(st.biasGrad()[j]) + " = " + num(st.biasUpdated()[j]));
                }
            }
            doc.mark("answers update " + l);
            doc.blank();
        }
    }
}
