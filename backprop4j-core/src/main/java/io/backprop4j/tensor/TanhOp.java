package io.backprop4j.tensor;


/** tanh x. Backward: g (1 - tanh² x). */
record TanhOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.tanh(v));
        return Autograd.record(out, new TanhOp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {out}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, out, (gv, o) -> gv * (1 - o * o))};
    }
}
