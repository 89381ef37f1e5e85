package io.backprop4j.optim;

import io.backprop4j.BackpropException;
import io.backprop4j.nn.Parameter;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-parameter state of one optimiser: named buffers (one contiguous tensor per parameter,
 * allocated on the parameter's first update) and, where the optimiser counts them, step counts;
 * plus the checks and raw-array helpers that the update loops share. Package-private: each
 * optimiser owns one.
 */
final class ParamState {
    private final String who;
    private final List<Parameter> params;
    private final String[] names;
    private Tensor[][] buffers;  // [slot][param]
    private long[] steps;        // null when steps are not counted

    ParamState(String who, List<Parameter> params, boolean countSteps, String... names) {
        this.who = who;
        this.params = params;
        this.names = names.clone();
        this.buffers = new Tensor[names.length][params.size()];
        this.steps = countSteps ? new long[params.size()] : null;
    }

    /** Buffer {@code slot} of parameter i, or null before its first update. */
    Tensor get(int slot, int i) {
        return buffers[slot][i];
    }

    /** Buffer {@code slot} of parameter i, allocated (contiguous, filled with {@code init}) on first use. */
    Tensor ensure(int slot, int i, double init) {
        Tensor b = buffers[slot][i];
        if (b == null) {
            Parameter p = params.get(i);
            b = Tensor.zeros(p.dtype(), p.shape());
            if (init != 0) b.fill_(init);
            buffers[slot][i] = b;
        }
        return b;
    }

    /** Increments and returns the step count of parameter i. */
    long nextStep(int i) {
        return ++steps[i];
    }

    long steps(int i) {
        return steps[i];
    }

    // ------------------------------------------------------------------ raw-array helpers

    /**
     * The gradient of {@code p} as a contiguous tensor of p's dtype (the gradient itself in the
     * usual case; a converted copy otherwise), or null when p has none.
     */
    static Tensor grad(Parameter p) {
        Tensor g = p.grad();
        if (g == null) return null;
        if (g.isContiguous() && g.dtype() == p.dtype()) return g;
        return Tensor.zeros(p.dtype(), p.shape()).copy_(g);
    }

    /** The data of p to update in place: p itself when contiguous, else a contiguous copy for {@link #writeBack}. */
    static Tensor data(Parameter p) {
        return p.isContiguous() ? p : p.contiguousData();
    }

    /** Copies an updated copy made by {@link #data} back into p. */
    static void writeBack(Parameter p, Tensor work) {
        if (work != p) p.copy_(work);
    }

    static boolean isFloat(Tensor p) {
        return p.dtype() == DType.FLOAT32;
    }

    // ------------------------------------------------------------------ argument checks

    /** Constructor check, as SGD has always done: lr must be positive and finite. */
    static void checkLearningRate(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new BackpropException("invalid learning rate: " + lr + " (must be a positive number)");
        }
    }

    /** Check for {@code setLearningRate}: schedules may anneal the rate to exactly 0. */
    static void checkNewLearningRate(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) {
            throw new BackpropException("invalid learning rate: " + lr + " (must be >= 0 and finite)");
        }
    }

    /** Throws "invalid NAME value: v (must be >= 0)" unless 0 <= v < infinity. */
    static void checkNonNegative(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new BackpropException("invalid " + name + " value: " + v + " (must be >= 0 and finite)");
        }
    }

    static void checkBeta(int index, double beta) {
        if (!(beta >= 0 && beta < 1)) {
            throw new BackpropException("invalid beta parameter at index " + index + ": " + beta + " (must be in [0, 1))");
        }
    }

    // ------------------------------------------------------------------ export and import

    /** "lr", then per parameter "i.step" (when counted) and "i.NAME" for each buffer; copies. */
    Map<String, Tensor> export(double lr) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        out.put("lr", Tensor.scalar(lr, DType.FLOAT64));
        for (int i = 0; i < params.size(); i++) {
            if (steps != null && steps[i] > 0) out.put(i + ".step", Tensor.scalar(steps[i], DType.FLOAT64));
            for (int s = 0; s < names.length; s++) {
                Tensor b = buffers[s][i];
                if (b != null) out.put(i + "." + names[s], Tensor.zerosLike(b).copy_(b));
            }
        }
        return out;
    }

    /**
     * Validates {@code state} completely, then replaces the buffers and step counts; returns the
     * learning rate it holds, or {@code currentLr} when it holds none.
     */
    double load(Map<String, Tensor> state, double currentLr) {
        if (state == null) throw new BackpropException(who + ".loadState: state is null");
        int n = params.size();
        Tensor[][] nb = new Tensor[names.length][n];
        long[] ns = steps == null ? null : new long[n];
        double lr = currentLr;
        for (Map.Entry<String, Tensor> e : state.entrySet()) {
            String key = e.getKey();
            Tensor t = e.getValue();
            if (t == null) throw new BackpropException(who + ".loadState: entry '" + key + "' is null");
            if (key.equals("lr")) {
                lr = scalarOf(key, t);
                checkNewLearningRate(lr);
                continue;
            }
            int dot = key.indexOf('.');
            int i = dot > 0 ? parseIndex(key.substring(0, dot)) : -1;
            String name = dot > 0 ? key.substring(dot + 1) : key;
            int slot = Arrays.asList(names).indexOf(name);
            boolean isStep = ns != null && name.equals("step");
            if (i < 0 || (slot < 0 && !isStep)) {
                throw new BackpropException(who + ".loadState: unknown entry '" + key + "'; expected 'lr' or 'INDEX.NAME' with NAME in "
                        + expectedNames());
            }
            if (i >= n) {
                throw new BackpropException(who + ".loadState: entry '" + key + "' is for parameter " + i + ", but there are only " + n);
            }
            if (isStep) {
                double v = scalarOf(key, t);
                if (!(v >= 1) || v != Math.rint(v) || v > 0x1p53) {
                    throw new BackpropException(who + ".loadState: entry '" + key + "' must be a whole step count >= 1, got " + v);
                }
                ns[i] = (long) v;
            } else {
                Parameter p = params.get(i);
                if (!Arrays.equals(t.shape(), p.shape())) {
                    throw new BackpropException(who + ".loadState: entry '" + key + "' has shape " + Shapes.str(t.shape())
                            + ", parameter " + i + " has shape " + Shapes.str(p.shape()));
                }
                nb[slot][i] = Tensor.zeros(p.dtype(), p.shape()).copy_(t);
            }
        }
        for (int i = 0; i < n; i++) {
            boolean any = ns != null && ns[i] > 0;
            for (int s = 0; s < names.length; s++) any |= nb[s][i] != null;
            if (!any) continue;
            if (ns != null && ns[i] == 0) throw new BackpropException(who + ".loadState: entry '" + i + ".step' is missing");
            for (int s = 0; s < names.length; s++) {
                if (nb[s][i] == null) throw new BackpropException(who + ".loadState: entry '" + i + "." + names[s] + "' is missing");
            }
        }
        buffers = nb;
        steps = ns;
        return lr;
    }

    private String expectedNames() {
        StringBuilder sb = new StringBuilder("[");
        if (steps != null) sb.append("step");
        for (String s : names) sb.append(sb.length() > 1 ? ", " : "").append(s);
        return sb.append("]").toString();
    }

    private double scalarOf(String key, Tensor t) {
        if (t.numel() != 1) {
            throw new BackpropException(who + ".loadState: entry '" + key + "' must hold one value, got shape " + Shapes.str(t.shape()));
        }
        return t.getFlat(0);
    }

    private static int parseIndex(String s) {
        if (s.isEmpty() || s.length() > 9) return -1;
        for (int k = 0; k < s.length(); k++) if (s.charAt(k) < '0' || s.charAt(k) > '9') return -1;
        return Integer.parseInt(s);
    }
}
