package io.backprop4j.tensor;


/** ln x (natural logarithm). Backward: g / x. */
record LogOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.log(v));
        return Autograd.record(out, new LogOp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g.div(x)};
    }
}
