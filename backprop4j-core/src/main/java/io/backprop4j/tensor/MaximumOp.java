package io.backprop4j.tensor;

/**
 * max(a, b) elementwise with broadcasting (NaN wins). Backward: g to the larger input; on a tie
 * half to each (PyTorch's rule), each summed over its broadcast dims.
 */
record MaximumOp(Tensor a, Tensor b) implements Primitive {
    static Tensor apply(Tensor a, Tensor b) {
        return Autograd.record(Extremum.forward("maximum", a, b, true), new MaximumOp(a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    public Tensor[] backward(Tensor g) {
        return Extremum.backward(g, a, b, true);
    }
}
