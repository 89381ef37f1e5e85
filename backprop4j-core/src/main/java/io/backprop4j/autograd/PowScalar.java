package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** x^p for a constant p. Backward: g·p·x^(p-1). */
public record PowScalar(Tensor x, double p) implements Op {
    public static Tensor apply(Tensor x, double p) {
        Tensor out = p == 2 ? Loops.map(x, v -> v * v) : Loops.map(x, v -> Math.pow(v, p));
        return Autograd.record(out, new PowScalar(x, p));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        if (p == 2) return new Tensor[] {Loops.zip(g, x, (gv, v) -> 2 * v * gv)};
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * p * Math.pow(v, p - 1))};
    }
}
