package io.backprop4j.optim;

import io.backprop4j.BackpropException;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Encodes and decodes the scalar counters of a schedule (package-private helper). */
final class ScheduleState {
    private ScheduleState() {}

    /** A map of float64 scalars from alternating names and values. */
    static Map<String, Tensor> of(Object... namesAndValues) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (int k = 0; k < namesAndValues.length; k += 2) {
            out.put((String) namesAndValues[k], Tensor.scalar(((Number) namesAndValues[k + 1]).doubleValue(), DType.FLOAT64));
        }
        return out;
    }

    /** Checks that {@code state} has exactly {@code names} (scalars) and returns their values in that order. */
    static double[] read(String who, Map<String, Tensor> state, List<String> names) {
        if (state == null) throw new BackpropException(who + ".loadState: state is null");
        for (String k : state.keySet()) {
            if (!names.contains(k)) throw new BackpropException(who + ".loadState: unknown entry '" + k + "'; expected " + names);
        }
        double[] out = new double[names.size()];
        for (int i = 0; i < out.length; i++) {
            Tensor t = state.get(names.get(i));
            if (t == null) throw new BackpropException(who + ".loadState: entry '" + names.get(i) + "' is missing");
            if (t.numel() != 1) {
                throw new BackpropException(who + ".loadState: entry '" + names.get(i) + "' must hold one value, got shape "
                        + Shapes.str(t.shape()));
            }
            out[i] = t.getFlat(0);
        }
        return out;
    }

    /** A whole, non-negative counter, or an exception naming it. */
    static int counter(String who, String name, double v) {
        if (!(v >= 0) || v != Math.rint(v) || v > Integer.MAX_VALUE) {
            throw new BackpropException(who + ".loadState: entry '" + name + "' must be a whole number >= 0, got " + v);
        }
        return (int) v;
    }

    static void checkBaseLr(String who, double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new BackpropException(who + ".loadState: invalid base_lr " + lr);
    }
}
