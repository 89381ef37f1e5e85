package io.backprop4j.tensor;


/** max(x, 0). Backward: g where x > 0, else 0. */
record ReLUOp(Tensor x) implements Primitive {
    static Tensor apply(Tensor x) {
        return Autograd.record(LeakyReLUOp.forward(x, 0), new ReLUOp(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {LeakyReLUOp.backward(g, x, 0, false)};
    }

    @Override
    public Tensor[] backwardOwned(Tensor g) {
        return new Tensor[] {LeakyReLUOp.backward(g, x, 0, true)};
    }
}
