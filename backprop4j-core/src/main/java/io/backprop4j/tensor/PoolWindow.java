package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;

/**
 * The window of a 2-D pooling over the last two dims of x ([N, C, H, W], or [C, H, W] without the
 * batch): kernel, stride, zero padding on both sides and dilation per axis, and the output size
 * by PyTorch's rule: {@code ⌊(H + 2p − d(k − 1) − 1 + (ceil ? s − 1 : 0)) / s⌋ + 1}, less one in
 * ceil mode when the last window would start past the input and its left padding.
 */
record PoolWindow(int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, boolean ceilMode, int outH, int outW) {

    /** Checks the arguments against x (messages name {@code op} and x's shape) and computes the output size. */
    static PoolWindow of(String op, Tensor x, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceilMode) {
        if (x.rank() != 3 && x.rank() != 4) {
            throw new ShapeException(op + ": input must be 4-D [batch, channels, height, width] or 3-D [channels, height, width], got "
                    + Shapes.str(x.shape()));
        }
        if (!x.dtype().isFloatingPoint()) {
            throw new BackpropException(op + ": input is " + x.dtype() + "; convert it with .to(DType.FLOAT32)");
        }
        Conv2dOp.checkSizes(op, "kernel", kernel, 2, 1);
        Conv2dOp.checkSizes(op, "stride", stride, 2, 1);
        Conv2dOp.checkSizes(op, "padding", padding, 2, 0);
        Conv2dOp.checkSizes(op, "dilation", dilation, 2, 1);
        if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
            throw new ShapeException(op + ": padding " + Shapes.str(padding) + " must be at most half the kernel " + Shapes.str(kernel));
        }
        int h = x.size(-2), w = x.size(-1);
        int oh = outSize(h, kernel[0], stride[0], padding[0], dilation[0], ceilMode);
        int ow = outSize(w, kernel[1], stride[1], padding[1], dilation[1], ceilMode);
        if (oh < 1 || ow < 1) {
            String fit = Conv2dOp.kernelFit(new int[] {h, w}, kernel, padding, dilation);
            throw new ShapeException(op + ": input " + Shapes.str(x.shape()) + ": " + (fit != null ? fit : "the output would be empty"));
        }
        return new PoolWindow(kernel[0], kernel[1], stride[0], stride[1], padding[0], padding[1], dilation[0], dilation[1],
                ceilMode, oh, ow);
    }

    /** PyTorch's pooling_output_shape. */
    static int outSize(int in, int k, int s, int p, int d, boolean ceil) {
        int out = Math.floorDiv(in + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0), s) + 1;
        if (ceil && (out - 1) * s >= in + p) out--;
        return out;
    }

    /** How many H x W planes x holds. */
    int planes(Tensor x) {
        return x.numel() / Math.max(1, x.size(-2) * x.size(-1));
    }

    /** x's shape with the last two dims replaced by the output size. */
    int[] outShape(Tensor x) {
        int[] s = x.shape();
        s[s.length - 2] = outH;
        s[s.length - 1] = outW;
        return s;
    }
}
