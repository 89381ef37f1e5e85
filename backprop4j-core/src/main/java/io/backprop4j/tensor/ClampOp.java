package io.backprop4j.tensor;

import io.backprop4j.BackpropException;

/**
 * min(max(x, lo), hi), either bound may be absent (±∞). Backward: g where lo ≤ x ≤ hi, else 0
 * (PyTorch's choice at the bounds: the gradient passes).
 */
record ClampOp(Tensor x, double lo, double hi) implements Primitive {
    static Tensor apply(Tensor x, double lo, double hi) {
        if (Double.isNaN(lo) || Double.isNaN(hi)) throw new BackpropException("clamp: bounds must not be NaN, got " + lo + " and " + hi);
        if (lo > hi) throw new BackpropException("clamp: the lower bound " + lo + " is above the upper bound " + hi);
        // NaN stays NaN, as in PyTorch.
        return Autograd.record(Loops.map(x, v -> v < lo ? lo : v > hi ? hi : v), new ClampOp(x, lo, hi));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> v >= lo && v <= hi ? gv : 0)};
    }
}
