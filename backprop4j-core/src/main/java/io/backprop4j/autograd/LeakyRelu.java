package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** x for x > 0, alpha·x otherwise. Backward: g·1 or g·alpha. */
public record LeakyRelu(Tensor x, double alpha) implements Op {
    public static Tensor apply(Tensor x, double alpha) {
        return Autograd.record(Loops.map(x, v -> v > 0 ? v : alpha * v), new LeakyRelu(x, alpha));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> v > 0 ? gv : alpha * gv)};
    }
}
