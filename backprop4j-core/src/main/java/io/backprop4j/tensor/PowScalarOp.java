package io.backprop4j.tensor;


/** x^p for a constant p. Backward: g·p·x^(p-1). */
record PowScalarOp(Tensor x, double p) implements Primitive {
    static Tensor apply(Tensor x, double p) {
        Tensor out = p == 2 ? Loops.map(x, v -> v * v) : Loops.map(x, v -> Math.pow(v, p));
        return Autograd.record(out, new PowScalarOp(x, p));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        if (p == 2) return new Tensor[] {Loops.zip(g, x, (gv, v) -> 2 * v * gv)};
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * p * Math.pow(v, p - 1))};
    }
}
