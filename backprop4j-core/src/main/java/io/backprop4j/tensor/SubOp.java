package io.backprop4j.tensor;


/** a - b with broadcasting. Backward: g to a, -g to b. */
record SubOp(Tensor a, Tensor b) implements Primitive {
    static Tensor apply(Tensor a, Tensor b) {
        return Autograd.record(Loops.arith("sub", Loops.Arith.SUB, a, b), new SubOp(a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(g, a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(g.neg(), b.shape()) : null};
    }
}
