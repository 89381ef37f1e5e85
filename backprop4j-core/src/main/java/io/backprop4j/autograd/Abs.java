package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** |x|. Backward: g sign(x) (0 at 0). */
public record Abs(Tensor x, Tensor out) implements Op {
    public static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.abs(v));
        return Autograd.record(out, new Abs(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * Math.signum(v))};
    }
}
