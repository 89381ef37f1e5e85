package io.backprop4j.tensor;


/** log(1 + e^x); x itself above 20, as PyTorch (beta 1, threshold 20). Backward: g σ(x) (g above 20). */
record SoftplusOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> v > 20 ? v : Math.log1p(Math.exp(v)));
        return Autograd.record(out, new SoftplusOp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> v > 20 ? gv : gv * SigmoidOp.sigma(v))};
    }
}
