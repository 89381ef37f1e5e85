package io.backprop4j.tensor;


/** GELU, exact form: x Φ(x), Φ the standard normal CDF. Backward: g (Φ(x) + x φ(x)). */
record GELUOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = Loops.map(x, v -> v * SpecialFunctions.normalCdf(v));
        return Autograd.record(out, new GELUOp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * (SpecialFunctions.normalCdf(v) + v * SpecialFunctions.normalPdf(v)))};
    }
}
