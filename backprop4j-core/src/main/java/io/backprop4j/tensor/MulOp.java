package io.backprop4j.tensor;


/** a * b elementwise with broadcasting. Backward: g b to a, g a to b. */
record MulOp(Tensor a, Tensor b) implements Primitive {
    static Tensor apply(Tensor a, Tensor b) {
        return Autograd.record(Loops.arith("mul", Loops.Arith.MUL, a, b), new MulOp(a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(g.mul(b), a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(g.mul(a), b.shape()) : null};
    }
}
