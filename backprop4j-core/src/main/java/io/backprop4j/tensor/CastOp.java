package io.backprop4j.tensor;


/** x converted to another dtype. Backward: g converted back to x's dtype. */
record CastOp(Tensor x) implements Primitive {
    static Tensor apply(Tensor x, DType target) {
        Tensor out = Tensor.zeros(target, x.shape()).copy_(x);
        return Autograd.record(out, new CastOp(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Tensor.zeros(x.dtype(), x.shape()).copy_(g)};
    }
}
