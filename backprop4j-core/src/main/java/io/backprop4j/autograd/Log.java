package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** ln x (natural logarithm). Backward: g / x. */
public record Log(Tensor x, Tensor out) implements Op {
    public static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.log(v));
        return Autograd.record(out, new Log(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g.div(x)};
    }
}
