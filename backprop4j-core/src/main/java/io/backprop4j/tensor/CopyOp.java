package io.backprop4j.tensor;


/** A contiguous copy of x. Backward: g. */
record CopyOp(Tensor x) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Tensor.zeros(x.dtype(), x.shape()).copy_(x);
        return Autograd.record(out, new CopyOp(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g};
    }
}
