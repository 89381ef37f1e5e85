package io.backprop4j.tensor;


/** |x|. Backward: g sign(x) (0 at 0). */
record AbsOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> Math.abs(v));
        return Autograd.record(out, new AbsOp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * Math.signum(v))};
    }
}
