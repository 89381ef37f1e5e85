package io.backprop4j.tensor;


/** e^x. Backward: g e^x (the output, kept). */
record ExpOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.exp(v));
        return Autograd.record(out, new ExpOp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {out}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {g.mul(out)};
    }
}
