package io.backprop4j.tensor;


/** a + b with broadcasting. Backward: g to both, summed over broadcast dims. */
record AddOp(Tensor a, Tensor b) implements Primitive {
    static Tensor apply(Tensor a, Tensor b) {
        return Autograd.record(Loops.arith("add", Loops.Arith.ADD, a, b), new AddOp(a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(g, a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(g, b.shape()) : null};
    }
}
