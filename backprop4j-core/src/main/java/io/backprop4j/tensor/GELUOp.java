package io.backprop4j.tensor;


/**
 * GELU, exact form: x Φ(x), Φ the standard normal CDF. Backward: g (Φ(x) + x φ(x)). Float32
 * tensors take Φ to float32 accuracy ({@link SpecialFunctions#normalCdfFloat}, relative error
 * below 1.2e-7), float64 ones to full precision.
 */
record GELUOp(Tensor x, Tensor out) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out = x.dtype() == DType.FLOAT32
                ? Loops.map(x, v -> v * SpecialFunctions.normalCdfFloat(v))
                : Loops.map(x, v -> v * SpecialFunctions.normalCdf(v));
        return Autograd.record(out, new GELUOp(x, out));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        if (x.dtype() == DType.FLOAT32) {
            return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * (SpecialFunctions.normalCdfFloat(v) + v * SpecialFunctions.normalPdf(v)))};
        }
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * (SpecialFunctions.normalCdf(v) + v * SpecialFunctions.normalPdf(v)))};
    }
}
