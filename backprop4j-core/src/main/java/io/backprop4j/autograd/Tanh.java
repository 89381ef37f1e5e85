package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** tanh x. Backward: g (1 - tanh² x). */
public record Tanh(Tensor x, Tensor out) implements Op {
    public static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.tanh(v));
        return Autograd.record(out, new Tanh(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, out, (gv, o) -> gv * (1 - o * o))};
    }
}
