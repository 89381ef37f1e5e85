package io.backprop4j.autograd;

import io.backprop4j.tensor.Tensor;

/** A contiguous copy of x. Backward: g. */
public record Copy(Tensor x) implements Op {
    public static Tensor apply(Tensor x) {
        Tensor out = Tensor.zeros(x.dtype(), x.shape()).copy_(x);
        return Autograd.record(out, new Copy(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g};
    }
}
