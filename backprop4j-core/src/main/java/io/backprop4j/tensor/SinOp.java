package io.backprop4j.tensor;

/** sin x. Backward: g·cos x. */
record SinOp(Tensor x) implements Primitive {
    static Tensor apply(Tensor x) {
        return Autograd.record(Loops.map(x, Math::sin), new SinOp(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * Math.cos(v))};
    }
}
