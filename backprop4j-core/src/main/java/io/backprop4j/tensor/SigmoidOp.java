package io.backprop4j.tensor;


/** σ(x) = 1 / (1 + e^-x), computed without overflow. Backward: g σ (1 - σ). */
record SigmoidOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> SigmoidOp.sigma(v));
        return Autograd.record(out, new SigmoidOp(x, out));
    }

    /** σ(v) without overflow for large |v|. */
    static double sigma(double v) {
        if (v >= 0) return 1 / (1 + Math.exp(-v));
        double e = Math.exp(v);
        return e / (1 + e);
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {out}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, out, (gv, o) -> gv * o * (1 - o))};
    }
}
