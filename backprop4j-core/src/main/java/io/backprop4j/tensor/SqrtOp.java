package io.backprop4j.tensor;


/** √x. Backward: g / (2 √x). */
record SqrtOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.sqrt(v));
        return Autograd.record(out, new SqrtOp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {out}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, out, (gv, o) -> gv * 0.5 / o)};
    }
}
