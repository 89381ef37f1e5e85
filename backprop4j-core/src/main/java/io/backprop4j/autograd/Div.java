package io.backprop4j.autograd;

import io.backprop4j.internal.Loops;
import io.backprop4j.tensor.Tensor;

/** a / b elementwise with broadcasting. Backward: g / b to a, -g a / b² to b. */
public record Div(Tensor a, Tensor b) implements Op {
    public static Tensor apply(Tensor a, Tensor b) {
        return Autograd.record(Loops.arith("div", Loops.Arith.DIV, a, b), new Div(a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(g.div(b), a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(g.mul(a).div(b.mul(b)).neg(), b.shape()) : null};
    }
}
