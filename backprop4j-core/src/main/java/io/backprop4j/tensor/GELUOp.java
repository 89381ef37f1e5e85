package io.backprop4j.tensor;

import io.backprop4j.internal.kernel.Activations;
import io.backprop4j.internal.kernel.Parallel;

/**
 * GELU, exact form: x Φ(x), Φ the standard normal CDF. Backward: g (Φ(x) + x φ(x)). Float32
 * tensors take Φ in float32 arithmetic, vectorised ({@link Activations}: relative error about
 * 1e-6), float64 ones to full precision.
 *
 * <p>Float32 runs in blocks of {@link #BLOCK} elements spread over {@link Parallel}; Φ(x) is
 * kept per block for the backward (cdf[k] for block k). The blocks are fixed, and each element
 * is computed alone, so the bits do not depend on the threads.
 */
record GELUOp(Tensor x, Tensor out, float[][] cdf) implements Primitive {
    /** Elements per block: a transformer's feed-forward activations [1024, 256] are 16 blocks. */
    static final int BLOCK = 1 << 14;

    static Tensor apply(Tensor x) {
        Tensor out;
        float[][] cdf = null;
        if (x.dtype() == DType.FLOAT32) {
            Tensor c = x.contiguousData();
            out = Recycler.uninitialized(DType.FLOAT32, x.shape());   // every element written below
            int n = out.numel();
            // Φ(x) kept for the backward, which then takes one exponential per element, not two.
            cdf = x.requiresGrad() && NoGrad.isGradEnabled() ? new float[blockCount(n)][] : null;
            float[] xa = c.floatArray(), ya = out.floatArray();
            int xo = c.offset();
            float[][] phi = cdf;
            Parallel.forRange(blockCount(n), 1, (from, to) -> {
                for (int k = from; k < to; k++) {
                    int at = k * BLOCK, len = Math.min(BLOCK, n - at);
                    // Φ's block allocated (and so zeroed) by the thread that fills it
                    if (phi != null) phi[k] = new float[len];
                    Activations.gelu(xa, xo + at, ya, at, len, phi == null ? null : phi[k]);
                }
            });
        } else {
            out = Loops.map(x, v -> v * SpecialFunctions.normalCdf(v));
        }
        return Autograd.record(out, new GELUOp(x, out, cdf));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return Recycler.readOnce(g, false, this::gradient);
    }

    /** The engine's own g: its storage goes to the {@link Recycler} once read (dx never shares it). */
    @Override
    public Tensor[] backwardOwned(Tensor g) {
        return Recycler.readOnce(g, true, this::gradient);
    }

    /** dx from the contiguous gc. */
    private Tensor[] gradient(Tensor gc) {
        if (x.dtype() == DType.FLOAT32) {
            Tensor xc = x.contiguousData();
            Tensor dx = Recycler.uninitialized(DType.FLOAT32, x.shape());   // every element written below
            int n = dx.numel();
            float[][] phi = cdf;
            if (phi == null) {   // recorded with x not needing a gradient then: Φ afresh
                phi = blocks(n);
                for (int k = 0; k < phi.length; k++) {
                    int at = k * BLOCK;
                    Activations.gelu(xc.floatArray(), xc.offset() + at, new float[phi[k].length], 0, phi[k].length, phi[k]);
                }
            }
            float[] ga = gc.floatArray(), xa = xc.floatArray(), da = dx.floatArray();
            int go = gc.offset(), xo = xc.offset();
            float[][] p = phi;
            Parallel.forRange(p.length, 1, (from, to) -> {
                for (int k = from; k < to; k++) {
                    int at = k * BLOCK;
                    Activations.geluBackward(ga, go + at, xa, xo + at, p[k], da, at, p[k].length);
                }
            });
            return new Tensor[] {dx};
        }
        return new Tensor[] {Loops.zip(gc, x, (gv, v) -> gv * (SpecialFunctions.normalCdf(v) + v * SpecialFunctions.normalPdf(v)))};
    }

    private static int blockCount(int n) {
        return (n + BLOCK - 1) / BLOCK;
    }

    /** Arrays for Φ of n elements, one per block (the last one shorter). */
    private static float[][] blocks(int n) {
        float[][] b = new float[blockCount(n)][];
        for (int k = 0; k < b.length; k++) {
            b[k] = new float[Math.min(BLOCK, n - k * BLOCK)];
        }
        return b;
    }
}
