package io.backprop4j.autograd;

import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;

/** x converted to another dtype. Backward: g converted back to x's dtype. */
public record Cast(Tensor x) implements Op {
    public static Tensor apply(Tensor x, DType target) {
        Tensor out = Tensor.zeros(target, x.shape()).copy_(x);
        return Autograd.record(out, new Cast(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Tensor.zeros(x.dtype(), x.shape()).copy_(g)};
    }
}
