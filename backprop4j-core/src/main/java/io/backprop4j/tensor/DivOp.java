package io.backprop4j.tensor;


/** a / b elementwise with broadcasting. Backward: g / b to a, -g a / b² to b. */
record DivOp(Tensor a, Tensor b) implements Primitive {
    static Tensor apply(Tensor a, Tensor b) {
        return Autograd.record(Loops.arith("div", Loops.Arith.DIV, a, b), new DivOp(a, b));
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(g.div(b), a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(g.mul(a).div(b.mul(b)).neg(), b.shape()) : null};
    }
}
