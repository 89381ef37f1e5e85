package io.backprop4j.explain;

import java.util.List;

/**
 * Writes a {@link StepSolution} or a grading {@link Grader.Report} as JSON, numbers in full
 * double precision ({@link Double#toString(double)}).
 *
 * <p>A solution: {@code {"loss": L, "layers": [{"net", "output", "output_grad", "net_grad",
 * "weights_grad", "bias_grad", "weights_updated", "bias_updated"}, ...]}}; matrices in the
 * spec's layout (inputs x units), per-sample values as a list per sample (one sample: a flat
 * list), bias keys only for layers with a bias, updated keys only with a learning rate.
 *
 * <p>An rnn layer adds the fields of W_hh and b_hh ({@code weights_hh_grad}, ...), its per-sample
 * fields are steps x hidden per sample, and two keys that check does not grade:
 * {@code initial_state_grad} (∂L/∂h_0) and {@code steps}, backprop through time one step at a
 * time: per step {@code t} (from 1) its {@code x}, {@code h_prev}, {@code net}, {@code h},
 * {@code h_grad_from_above}, {@code h_grad_recurrent} (W_hhᵀ·∂L/∂net_{t+1}), {@code h_grad} (their
 * sum), {@code tanh_derivative}, {@code net_grad}, and the step's contributions to the gradients
 * (summed over the batch): {@code weights_grad} (∂L/∂net_t·x_tᵀ), {@code weights_hh_grad}
 * (∂L/∂net_t·h_{t−1}ᵀ) and, with a bias, {@code bias_grad} (∂L/∂net_t, for b_ih and b_hh alike).
 * With a dense layer on every state after it, each step also has that layer's part:
 * {@code out_net} (z_t = h_t·W + b, the logits), {@code out} (p_t = f(z_t)), {@code target},
 * {@code loss} (the step's part L_t of the loss, L = Σ_t L_t), {@code out_grad} (∂L/∂p_t),
 * {@code out_net_grad} (∂L/∂z_t), and the step's contributions to the dense layer's gradients
 * {@code out_weights_grad} (h_tᵀ·∂L/∂z_t) and {@code out_bias_grad}; there
 * {@code h_grad_from_above} is what the output at step t sends back (W·∂L/∂z_t).
 *
 * <p>A report: {@code {"entries": [{"path", "given", "expected", "correct", "diagnosis",
 * "kind", "from"}], "first_mistake": {...} or null, "summary": {...}}}.
 */
public final class JsonRenderer {
    private JsonRenderer() {}

    /** The solution as JSON (two-space indent, one matrix row per line). */
    public static String render(StepSolution s) {
        StringBuilder sb = new StringBuilder();
        sb.append("{\n  \"loss\": ").append(num(s.loss())).append(",\n  \"layers\": [");
        boolean batched = s.spec().batched();
        for (int l = 0; l < s.layers().size(); l++) {
            StepSolution.LayerStep step = s.layers().get(l);
            sb.append(l == 0 ? "\n" : ",\n").append("    {");
            boolean first = true;
            for (Field f : Field.values()) {
                double[][] m = step.get(f);
                if (m == null || f.stepwise()) continue;   // the per-step contributions are in the steps section
                sb.append(first ? "\n" : ",\n").append("      \"").append(f.key()).append("\": ");
                first = false;
                double[] data = new double[m.length * m[0].length];
                for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, data, i * m[i].length, m[i].length);
                nested(sb, data, s.spec().shape(l, f, batched), 0, 0, 6);
            }
            if (step.recurrent() != null) recurrent(sb, s, l);
            sb.append("\n    }");
        }
        sb.append("\n  ]\n}\n");
        return sb.toString();
    }

    /** An rnn layer's initial-state gradient and its per-step section. */
    private static void recurrent(StringBuilder sb, StepSolution s, int l) {
        NetworkSpec spec = s.spec();
        NetworkSpec.Layer layer = spec.layers().get(l);
        StepSolution.LayerStep st = s.layers().get(l);
        StepSolution.Recurrent rec = st.recurrent();
        boolean batched = spec.batched();
        int n = spec.batch();
        int h = layer.hidden();
        int f = spec.inputShape()[1];
        int[] perSample = batched ? new int[] {n, h} : new int[] {h};
        sb.append(",\n      \"initial_state_grad\": ");
        nested(sb, flat(rec.initialStateGrad()), perSample, 0, 0, 6);
        sb.append(",\n      \"steps\": [");
        for (int t = 0; t < spec.steps(); t++) {
            sb.append(t == 0 ? "\n" : ",\n").append("        {\"t\": ").append(t + 1);
            double[][] prev = t == 0 ? initial(layer, n) : RnnSteps.at(st.output(), t - 1, h);
            double[][][] per = {RnnSteps.at(spec.input(), t, f), prev, RnnSteps.at(st.net(), t, h), RnnSteps.at(st.output(), t, h),
                    RnnSteps.at(rec.fromAbove(), t, h), RnnSteps.at(rec.recurrentGrad(), t, h), RnnSteps.at(st.outputGrad(), t, h),
                    RnnSteps.at(st.localGrad(), t, h), RnnSteps.at(st.netGrad(), t, h)};
            String[] names = {"x", "h_prev", "net", "h", "h_grad_from_above", "h_grad_recurrent", "h_grad", "tanh_derivative", "net_grad"};
            for (int k = 0; k < names.length; k++) {
                sb.append(",\n          \"").append(names[k]).append("\": ");
                nested(sb, flat(per[k]), batched ? new int[] {n, per[k][0].length} : new int[] {per[k][0].length}, 0, 0, 10);
            }
            sb.append(",\n          \"weights_grad\": ");
            nested(sb, flat(rec.weightsGradSteps().get(t)), new int[] {h, f}, 0, 0, 10);
            sb.append(",\n          \"weights_hh_grad\": ");
            nested(sb, flat(rec.weightsHhGradSteps().get(t)), new int[] {h, h}, 0, 0, 10);
            if (layer.hasBias() || layer.biasHh() != null) {
                sb.append(",\n          \"bias_grad\": ");
                nested(sb, flat(rec.biasGradSteps().get(t)), new int[] {h}, 0, 0, 10);
            }
            if (spec.everyStep(l + 1)) outputStep(sb, s, l + 1, t);
            sb.append("\n        }");
        }
        sb.append("\n      ]");
    }

    /** Step t's part of the dense layer on every state (layer d), inside the rnn's step entry. */
    private static void outputStep(StringBuilder sb, StepSolution s, int d, int t) {
        NetworkSpec spec = s.spec();
        NetworkSpec.Layer layer = spec.layers().get(d);
        StepSolution.LayerStep st = s.layers().get(d);
        boolean batched = spec.batched();
        int n = spec.batch();
        int v = layer.units();
        int h = layer.inputs();
        double[][][] per = {RnnSteps.at(st.net(), t, v), RnnSteps.at(st.output(), t, v), RnnSteps.at(spec.target(), t, v)};
        String[] names = {"out_net", "out", "target"};
        for (int k = 0; k < names.length; k++) {
            sb.append(",\n          \"").append(names[k]).append("\": ");
            nested(sb, flat(per[k]), batched ? new int[] {n, v} : new int[] {v}, 0, 0, 10);
        }
        sb.append(",\n          \"loss\": ").append(num(new Steps(spec).stepLosses(st.output())[t]));
        double[][][] grads = {RnnSteps.at(st.outputGrad(), t, v), RnnSteps.at(st.netGrad(), t, v)};
        String[] gnames = {"out_grad", "out_net_grad"};
        for (int k = 0; k < gnames.length; k++) {
            sb.append(",\n          \"").append(gnames[k]).append("\": ");
            nested(sb, flat(grads[k]), batched ? new int[] {n, v} : new int[] {v}, 0, 0, 10);
        }
        sb.append(",\n          \"out_weights_grad\": ");
        nested(sb, flat(RnnDoc.stepContributions(s.layers().get(d - 1).output(), st.netGrad(), h, v).get(t)), new int[] {h, v}, 0, 0, 10);
        if (layer.hasBias()) {
            sb.append(",\n          \"out_bias_grad\": ");
            nested(sb, flat(Steps.biasGradient(grads[1])), new int[] {v}, 0, 0, 10);
        }
    }

    private static double[][] initial(NetworkSpec.Layer layer, int n) {
        double[][] h0 = new double[n][];
        for (int b = 0; b < n; b++) h0[b] = layer.initialState(b);
        return h0;
    }

    private static double[] flat(double[][] m) {
        double[] data = new double[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) System.arraycopy(m[i], 0, data, i * m[i].length, m[i].length);
        return data;
    }

    /** A grading report as JSON. */
    public static String render(Grader.Report r) {
        StringBuilder sb = new StringBuilder("{\n  \"entries\": [");
        List<Grader.Entry> entries = r.entries();
        for (int i = 0; i < entries.size(); i++) {
            sb.append(i == 0 ? "\n    " : ",\n    ");
            entry(sb, entries.get(i));
        }
        sb.append(entries.isEmpty() ? "],\n" : "\n  ],\n");
        sb.append("  \"first_mistake\": ");
        if (r.firstMistake() == null) sb.append("null");
        else entry(sb, r.firstMistake());
        long diagnosed = entries.stream().filter(e -> !e.correct() && e.diagnosis() != null).count();
        sb.append(",\n  \"summary\": {\"total\": ").append(entries.size())
                .append(", \"correct\": ").append(r.correctCount())
                .append(", \"wrong\": ").append(r.wrongCount())
                .append(", \"diagnosed\": ").append(diagnosed)
                .append(", \"tolerance\": ").append(num(r.tolerance()))
                .append("}\n}\n");
        return sb.toString();
    }

    private static void entry(StringBuilder sb, Grader.Entry e) {
        sb.append("{\"path\": ").append(str(e.path()))
                .append(", \"given\": ").append(num(e.given()))
                .append(", \"expected\": ").append(num(e.expected()))
                .append(", \"correct\": ").append(e.correct())
                .append(", \"diagnosis\": ").append(e.diagnosis() == null ? (e.correct() ? "null" : str("wrong; no known mistake matches")) : str(e.diagnosis().text()))
                .append(", \"kind\": ").append(e.diagnosis() == null ? "null" : str(e.diagnosis().kind().key()))
                .append(", \"from\": ").append(e.diagnosis() == null || e.diagnosis().from() == null ? "null" : str(e.diagnosis().from()))
                .append('}');
    }

    /**
     * {@code data[offset...]} as nested lists of {@code dims[depth...]}: the innermost list on one
     * line, each outer one a line per element, indented two more than its bracket at {@code indent}.
     */
    private static int nested(StringBuilder sb, double[] data, int[] dims, int offset, int depth, int indent) {
        if (depth == dims.length - 1) {
            vector(sb, java.util.Arrays.copyOfRange(data, offset, offset + dims[depth]));
            return offset + dims[depth];
        }
        sb.append('[');
        for (int i = 0; i < dims[depth]; i++) {
            sb.append(i == 0 ? "\n" : ",\n").append(" ".repeat(indent + 2));
            offset = nested(sb, data, dims, offset, depth + 1, indent + 2);
        }
        sb.append('\n').append(" ".repeat(indent)).append(']');
        return offset;
    }

    private static void vector(StringBuilder sb, double[] v) {
        sb.append('[');
        for (int j = 0; j < v.length; j++) {
            if (j > 0) sb.append(", ");
            sb.append(num(v[j]));
        }
        sb.append(']');
    }

    static String num(double v) {
        return Double.isFinite(v) ? Double.toString(v) : "null";
    }

    static String str(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        return sb.append('"').toString();
    }
}
