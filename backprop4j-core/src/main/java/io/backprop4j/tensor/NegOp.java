package io.backprop4j.tensor;


/** -x. Backward: -g. */
record NegOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> -v);
        return Autograd.record(out, new NegOp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g.neg()};
    }
}
