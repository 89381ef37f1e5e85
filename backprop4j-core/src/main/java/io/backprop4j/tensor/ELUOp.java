package io.backprop4j.tensor;


/** x for x > 0, alpha·(e^x - 1) otherwise. Backward: g, or g·alpha·e^x = g·(out + alpha). */
record ELUOp(Tensor x, Tensor out, double alpha) implements Primitive {
    static Tensor apply(Tensor x, double alpha) {
        Tensor out = Loops.map(x, v -> v > 0 ? v : alpha * Math.expm1(v));
        return Autograd.record(out, new ELUOp(x, out, alpha));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> v > 0 ? gv : gv * alpha * Math.exp(v))};
    }
}
