package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** a + b with broadcasting. Backward: g to both, summed over broadcast dims. */
public record Add(Tensor a, Tensor b) implements Op {
    public static Tensor apply(Tensor a, Tensor b) {
        return Autograd.record(Loops.arith("add", Loops.Arith.ADD, a, b), new Add(a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(g, a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(g, b.shape()) : null};
    }
}
