package io.backprop4j.tensor;

import io.backprop4j.internal.kernel.Activations;
import io.backprop4j.internal.kernel.Parallel;

/**
 * GELU, exact form: x Φ(x), Φ the standard normal CDF. Backward: g (Φ(x) + x φ(x)). Float32
 * tensors take Φ in float32 arithmetic, vectorised ({@link Activations}: relative error about
 * 1e-6), float64 ones to full precision.
 *
 * <p>Float32 runs in blocks of {@link #BLOCK} elements spread over {@link Parallel}; Φ(x) is
 * kept for the backward in one array (from the {@link Recycler}, every element written), which
 * goes back there once the backward has read it. The blocks are fixed, and each element is
 * computed alone, so the bits do not depend on the threads.
 */
record GELUOp(Tensor x, Tensor out, float[] cdf) implements Primitive {
    /** Elements per block: a transformer's feed-forward activations [1024, 256] are 16 blocks. */
    static final int BLOCK = 1 << 14;

    static Tensor apply(Tensor x) {
        Tensor out;
        float[] cdf = null;
        if (x.dtype() == DType.FLOAT32) {
            Tensor c = x.contiguousData();
            out = Recycler.uninitialized(DType.FLOAT32, x.shape());   // every element written below
            int n = out.numel();
            // Φ(x) kept for the backward, which then takes one exponential per element, not two.
            cdf = x.requiresGrad() && NoGrad.isGradEnabled() ? Recycler.floats(n) : null;
            blocks(c.floatArray(), c.offset(), out.floatArray(), n, cdf);
        } else {
            out = Loops.map(x, v -> v * SpecialFunctions.normalCdf(v));
        }
        return Autograd.record(out, new GELUOp(x, out, cdf));
    }

    /** y = x Φ(x) for n elements of x from xo (y from 0), and Φ(x) into cdf unless it is null, block by block over the pool. */
    private static void blocks(float[] xa, int xo, float[] ya, int n, float[] cdf) {
        Parallel.forRange(blockCount(n), 1, (from, to) -> {
            for (int k = from; k < to; k++) {
                int at = k * BLOCK;
                Activations.gelu(xa, xo + at, ya, at, Math.min(BLOCK, n - at), cdf, at);
            }
        });
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

    /**
     * dx from the contiguous gc. The engine runs an op's backward once and then lets the op go
     * ({@link Tensor#releaseGraph}), so Φ is read for the last time here and kept for the next
     * forward pass.
     */
    private Tensor[] gradient(Tensor gc) {
        if (x.dtype() == DType.FLOAT32) {
            Tensor xc = x.contiguousData();
            Tensor dx = Recycler.uninitialized(DType.FLOAT32, x.shape());   // every element written below
            int n = dx.numel();
            float[] p = cdf;
            if (p == null) {   // recorded with x not needing a gradient then: Φ afresh
                p = Recycler.floats(n);
                float[] y = Recycler.floats(n);
                blocks(xc.floatArray(), xc.offset(), y, n, p);
                Recycler.give(y);
            }
            float[] ga = gc.floatArray(), xa = xc.floatArray(), da = dx.floatArray(), phi = p;
            int go = gc.offset(), xo = xc.offset();
            Parallel.forRange(blockCount(n), 1, (from, to) -> {
                for (int k = from; k < to; k++) {
                    int at = k * BLOCK;
                    Activations.geluBackward(ga, go + at, xa, xo + at, phi, at, da, at, Math.min(BLOCK, n - at));
                }
            });
            Recycler.give(p);
            return new Tensor[] {dx};
        }
        return new Tensor[] {Loops.zip(gc, x, (gv, v) -> gv * (SpecialFunctions.normalCdf(v) + v * SpecialFunctions.normalPdf(v)))};
    }

    private static int blockCount(int n) {
        return (n + BLOCK - 1) / BLOCK;
    }
}
