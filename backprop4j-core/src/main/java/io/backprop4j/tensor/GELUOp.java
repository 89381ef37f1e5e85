package io.backprop4j.tensor;

import io.backprop4j.internal.kernel.Activations;

/**
 * GELU, exact form: x Φ(x), Φ the standard normal CDF. Backward: g (Φ(x) + x φ(x)). Float32
 * tensors take Φ in float32 arithmetic, vectorised ({@link Activations}: relative error about
 * 1e-6), float64 ones to full precision.
 */
record GELUOp(Tensor x, Tensor out, float[] cdf) implements Primitive {
    static Tensor apply(Tensor x) {
        Tensor out;
        float[] cdf = null;
        if (x.dtype() == DType.FLOAT32) {
            Tensor c = x.contiguousData();
            out = Tensor.zeros(DType.FLOAT32, x.shape());
            // Φ(x) kept for the backward, which then takes one exponential per element, not two.
            cdf = x.requiresGrad() && NoGrad.isGradEnabled() ? new float[out.numel()] : null;
            Activations.gelu(c.floatArray(), c.offset(), out.floatArray(), 0, out.numel(), cdf);
        } else {
            out = Loops.map(x, v -> v * SpecialFunctions.normalCdf(v));
        }
        return Autograd.record(out, new GELUOp(x, out, cdf));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        if (x.dtype() == DType.FLOAT32) {
            Tensor gc = g.contiguousData(), xc = x.contiguousData();
            Tensor dx = Tensor.zeros(DType.FLOAT32, x.shape());
            float[] phi = cdf;
            if (phi == null) {   // recorded with x not needing a gradient then: Φ afresh
                phi = new float[dx.numel()];
                Activations.gelu(xc.floatArray(), xc.offset(), new float[dx.numel()], 0, dx.numel(), phi);
            }
            Activations.geluBackward(gc.floatArray(), gc.offset(), xc.floatArray(), xc.offset(), phi, dx.floatArray(), 0, dx.numel());
            return new Tensor[] {dx};
        }
        return new Tensor[] {Loops.zip(g, x, (gv, v) -> gv * (SpecialFunctions.normalCdf(v) + v * SpecialFunctions.normalPdf(v)))};
    }
}
