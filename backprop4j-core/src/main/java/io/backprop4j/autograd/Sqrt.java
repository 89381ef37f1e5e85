package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** √x. Backward: g / (2 √x). */
public record Sqrt(Tensor x, Tensor out) implements Op {
    public static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.sqrt(v));
        return Autograd.record(out, new Sqrt(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, out, (gv, o) -> gv * 0.5 / o)};
    }
}
