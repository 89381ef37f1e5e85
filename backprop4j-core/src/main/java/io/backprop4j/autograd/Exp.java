package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** e^x. Backward: g e^x (the output, kept). */
public record Exp(Tensor x, Tensor out) implements Op {
    public static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.exp(v));
        return Autograd.record(out, new Exp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g.mul(out)};
    }
}
