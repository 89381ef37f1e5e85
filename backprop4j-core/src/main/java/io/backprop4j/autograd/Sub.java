package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** a - b with broadcasting. Backward: g to a, -g to b. */
public record Sub(Tensor a, Tensor b) implements Op {
    public static Tensor apply(Tensor a, Tensor b) {
        return Autograd.record(Loops.arith("sub", Loops.Arith.SUB, a, b), new Sub(a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(g, a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(g.neg(), b.shape()) : null};
    }
}
