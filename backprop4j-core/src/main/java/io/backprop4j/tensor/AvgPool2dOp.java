package io.backprop4j.tensor;

import io.backprop4j.internal.kernel.Pooling;

/**
 * 2-D average pooling as PyTorch's avg_pool2d: x [N, C, H, W] to y [N, C, OH, OW], each output
 * the sum of its window's inputs divided by the divisor: {@code divisorOverride} when positive,
 * else the window's size counting the zero padding ({@code countIncludePad}, PyTorch's default)
 * or only the taps inside the input. Backward: each input of a window gets g / divisor (summed
 * where windows overlap). Linear, so backward reads no values.
 */
record AvgPool2dOp(Tensor x, PoolWindow window, boolean countIncludePad, int divisorOverride) implements Primitive {
    static Tensor apply(Tensor x, PoolWindow p, boolean countIncludePad, int divisorOverride) {
        Tensor xc = x.contiguousData();
        int planes = p.planes(x), h = x.size(-2), w = x.size(-1);
        // The kernel writes every output: a kept array (freed by the last backward) serves.
        Tensor y = Recycler.uninitialized(x.dtype(), p.outShape(x));
        if (x.dtype() == DType.FLOAT32) {
            Pooling.avgForward(planes, h, w, p.outH(), p.outW(), p.kh(), p.kw(), p.sh(), p.sw(), p.ph(), p.pw(),
                    countIncludePad, divisorOverride, xc.floatArray(), xc.offset(), y.floatArray());
        } else {
            Pooling.avgForward(planes, h, w, p.outH(), p.outW(), p.kh(), p.kw(), p.sh(), p.sw(), p.ph(), p.pw(),
                    countIncludePad, divisorOverride, xc.doubleArray(), xc.offset(), y.doubleArray());
        }
        return Autograd.record(y, new AvgPool2dOp(x, p, countIncludePad, divisorOverride));
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

    /** dx from the contiguous gradient gc. */
    private Tensor[] gradient(Tensor gc) {
        PoolWindow p = window;
        Tensor dx = Tensor.zeros(x.dtype(), x.shape());
        int planes = p.planes(x), h = x.size(-2), w = x.size(-1);
        if (x.dtype() == DType.FLOAT32) {
            Pooling.avgBackward(planes, h, w, p.outH(), p.outW(), p.kh(), p.kw(), p.sh(), p.sw(), p.ph(), p.pw(),
                    countIncludePad, divisorOverride, gc.floatArray(), gc.offset(), dx.floatArray());
        } else {
            Pooling.avgBackward(planes, h, w, p.outH(), p.outW(), p.kh(), p.kw(), p.sh(), p.sw(), p.ph(), p.pw(),
                    countIncludePad, divisorOverride, gc.doubleArray(), gc.offset(), dx.doubleArray());
        }
        return new Tensor[] {dx};
    }
}
