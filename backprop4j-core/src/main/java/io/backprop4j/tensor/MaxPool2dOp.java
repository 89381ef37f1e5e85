package io.backprop4j.tensor;

import io.backprop4j.internal.kernel.Pooling;

/**
 * 2-D max pooling as PyTorch's max_pool2d: x [N, C, H, W] to y [N, C, OH, OW], each output the
 * largest input of its window (rows {@code i·sH − pH + u·dH} for {@code u < kH}, columns alike;
 * padding taps never win; among equal values the first, and a NaN, wins). Backward: each output's
 * gradient goes to the one input that won its window (summed where windows overlap), nothing to
 * the others. The winners' positions are kept from the forward pass, so backward reads no values.
 */
record MaxPool2dOp(Tensor x, PoolWindow window, int[] argmax) implements Primitive {
    static Tensor apply(Tensor x, PoolWindow p) {
        Tensor xc = x.contiguousData();
        int planes = p.planes(x), h = x.size(-2), w = x.size(-1);
        // The kernel writes every output and winner: kept arrays (freed by the last backward) serve.
        Tensor y = Recycler.uninitialized(x.dtype(), p.outShape(x));
        // The winners are kept only for a backward pass: evaluation skips them.
        int[] argmax = Autograd.needsGrad(x) ? Recycler.ints(y.numel()) : null;
        if (x.dtype() == DType.FLOAT32) {
            Pooling.maxForward(planes, h, w, p.outH(), p.outW(), p.kh(), p.kw(), p.sh(), p.sw(), p.ph(), p.pw(), p.dh(), p.dw(),
                    xc.floatArray(), xc.offset(), y.floatArray(), argmax);
        } else {
            Pooling.maxForward(planes, h, w, p.outH(), p.outW(), p.kh(), p.kw(), p.sh(), p.sw(), p.ph(), p.pw(), p.dh(), p.dw(),
                    xc.doubleArray(), xc.offset(), y.doubleArray(), argmax);
        }
        return Autograd.record(y, new MaxPool2dOp(x, p, argmax));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        return Recycler.readOnce(g, false, this::gradient);
    }

    /** The engine's own g is dead once read, and dx is new: g's array is kept for a forward pass. */
    @Override
    public Tensor[] backwardOwned(Tensor g) {
        return Recycler.readOnce(g, true, this::gradient);
    }

    /**
     * dx from the contiguous gradient gc. The engine runs an op's backward once and then lets the
     * op go ({@link Tensor#releaseGraph}), so the winners are read for the last time here and
     * kept for the next forward pass.
     */
    private Tensor[] gradient(Tensor gc) {
        PoolWindow p = window;
        int planes = p.planes(x), h = x.size(-2), w = x.size(-1), plane = h * w, outPlane = p.outH() * p.outW();
        Tensor dx;
        if (Pooling.isTwoByTwo(h, w, p.outH(), p.outW(), p.kh(), p.kw(), p.sh(), p.sw(), p.ph(), p.pw(), p.dh(), p.dw())) {
            // Windows that do not overlap: the kernel writes every element of dx, so a kept array serves.
            dx = Recycler.uninitialized(x.dtype(), x.shape());
            if (x.dtype() == DType.FLOAT32) Pooling.maxBackward2x2(planes, h, w, p.outH(), p.outW(), gc.floatArray(), gc.offset(), argmax, dx.floatArray());
            else Pooling.maxBackward2x2(planes, h, w, p.outH(), p.outW(), gc.doubleArray(), gc.offset(), argmax, dx.doubleArray());
        } else {
            dx = Tensor.zeros(x.dtype(), x.shape());
            if (x.dtype() == DType.FLOAT32) Pooling.maxBackward(planes, plane, outPlane, gc.floatArray(), gc.offset(), argmax, dx.floatArray());
            else Pooling.maxBackward(planes, plane, outPlane, gc.doubleArray(), gc.offset(), argmax, dx.doubleArray());
        }
        Recycler.give(argmax);
        return new Tensor[] {dx};
    }
}
