package io.backprop4j.tensor;

/**
 * min(a, b) elementwise with broadcasting (NaN wins). Backward: g to the smaller input; on a tie
 * half to each (PyTorch's rule), each summed over its broadcast dims.
 */
record MinimumOp(Tensor a, Tensor b) implements Primitive {
    static Tensor apply(Tensor a, Tensor b) {
        return Autograd.record(Extremum.forward("minimum", a, b, false), new MinimumOp(a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    public Tensor[] backward(Tensor g) {
        return Extremum.backward(g, a, b, false);
    }
}
