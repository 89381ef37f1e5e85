package io.backprop4j.tensor;

import io.backprop4j.internal.kernel.Pooling;

/**
 * Adaptive average pooling as PyTorch's adaptive_avg_pool2d: x [.., H, W] to y [.., OH, OW],
 * output (i, j) the mean of input rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) and columns [⌊j·W/OW⌋,
 * ⌈(j+1)·W/OW⌉) (windows may overlap when the sizes do not divide). OH = OW = 1 is global average
 * pooling. Backward: each input of a window gets g / (the window's size). Linear, so backward
 * reads no values.
 */
record AdaptiveAvgPool2dOp(Tensor x, int outH, int outW) implements Primitive {
    static Tensor apply(Tensor x, int outH, int outW) {
        Tensor xc = x.contiguousData();
        int h = x.size(-2), w = x.size(-1), planes = x.numel() / Math.max(1, h * w);
        int[] shape = x.shape();
        shape[shape.length - 2] = outH;
        shape[shape.length - 1] = outW;
        Tensor y = Tensor.zeros(x.dtype(), shape);
        if (x.dtype() == DType.FLOAT32) Pooling.adaptiveAvgForward(planes, h, w, outH, outW, xc.floatArray(), xc.offset(), y.floatArray());
        else Pooling.adaptiveAvgForward(planes, h, w, outH, outW, xc.doubleArray(), xc.offset(), y.doubleArray());
        return Autograd.record(y, new AdaptiveAvgPool2dOp(x, outH, outW));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        Tensor gc = g.contiguousData();
        Tensor dx = Tensor.zeros(x.dtype(), x.shape());
        int h = x.size(-2), w = x.size(-1), planes = x.numel() / Math.max(1, h * w);
        if (x.dtype() == DType.FLOAT32) Pooling.adaptiveAvgBackward(planes, h, w, outH, outW, gc.floatArray(), gc.offset(), dx.floatArray());
        else Pooling.adaptiveAvgBackward(planes, h, w, outH, outW, gc.doubleArray(), gc.offset(), dx.doubleArray());
        return new Tensor[] {dx};
    }
}
