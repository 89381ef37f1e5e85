package io.backprop4j.tensor;

/** cos x. Backward: −g·sin x. */
record CosOp(Tensor x) implements Primitive {
    static Tensor apply(Tensor x) {
        return Autograd.record(Loops.map(x, Math::cos), new CosOp(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> -gv * Math.sin(v))};
    }
}
