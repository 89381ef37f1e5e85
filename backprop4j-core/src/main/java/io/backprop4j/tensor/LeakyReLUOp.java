package io.backprop4j.tensor;

import io.backprop4j.internal.kernel.Parallel;
import io.backprop4j.internal.kernel.VectorMath;

/**
 * x for x > 0, alpha·x otherwise. Backward: g·1 or g·alpha. A zero product is +0 (alpha·x + 0), as
 * PyTorch's ReLU gives 0 and not −0 for a negative input.
 */
record LeakyReLUOp(Tensor x, double alpha) implements Primitive {
    /** Elements per chunk handed to a thread: 64K floats (256 KiB), well past the hand-off's cost. */
    private static final int GRAIN = 1 << 16;

    static Tensor apply(Tensor x, double alpha) {
        return Autograd.record(forward(x, alpha), new LeakyReLUOp(x, alpha));
    }

    /** The forward values; float32 takes the vectorised kernel (ReLU is alpha = 0). */
    static Tensor forward(Tensor x, double alpha) {
        if (x.dtype() == DType.FLOAT32 && x.isContiguous()) {
            Tensor out = Tensor.zeros(DType.FLOAT32, x.shape());
            float[] xa = x.floatArray(), ya = out.floatArray();
            int xo = x.offset();
            // Element by element, so the chunks the threads take change no bit; a memory-bound pass, worth two threads.
            Parallel.forRange(out.numel(), GRAIN, (from, to) -> VectorMath.leakyRelu(xa, xo + from, ya, from, to - from, (float) alpha));
            return out;
        }
        return Loops.map(x, v -> v > 0 ? v : alpha * v + 0.0);
    }

    /**
     * g·1 where x > 0, else g·alpha; written over g itself when {@code overwrite} and g is a whole
     * contiguous float32 array (the engine's own gradient, see {@link Primitive#backwardOwned}).
     */
    static Tensor backward(Tensor g, Tensor x, double alpha, boolean overwrite) {
        if (x.dtype() == DType.FLOAT32 && x.isContiguous() && g.isContiguous() && g.dtype() == DType.FLOAT32) {
            boolean inPlace = overwrite && g.offset() == 0 && g.floatArray().length == g.numel();
            Tensor dx = inPlace ? g : Tensor.zeros(DType.FLOAT32, x.shape());
            float[] ga = g.floatArray(), xa = x.floatArray(), da = dx.floatArray();
            int go = g.offset(), xo = x.offset();
            Parallel.forRange(dx.numel(), GRAIN, (from, to) ->
                    VectorMath.leakyReluBackward(ga, go + from, xa, xo + from, da, from, to - from, (float) alpha));
            return dx;
        }
        return Loops.zip(g, x, (gv, v) -> v > 0 ? gv : alpha * gv + 0.0);
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {backward(g, x, alpha, false)};
    }

    @Override
    public Tensor[] backwardOwned(Tensor g) {
        return new Tensor[] {backward(g, x, alpha, true)};
    }
}
