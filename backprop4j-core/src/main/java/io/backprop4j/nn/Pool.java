package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/** Argument and input checks shared by the pooling layers; messages name the layer and the input's shape. */
final class Pool {
    private Pool() {}

    static int[] pair(String layer, String what, int[] v, int min) {
        if (v == null || v.length != 2) {
            throw new ShapeException(layer + ": " + what + " needs 2 values {h, w}, got " + (v == null ? "null" : Shapes.str(v)));
        }
        if (v[0] < min || v[1] < min) {
            throw new ShapeException(layer + ": " + what + " must be " + (min == 0 ? "non-negative" : "positive") + ", got " + Shapes.str(v));
        }
        return v.clone();
    }

    /** PyTorch's rule: padding at most half the kernel, so that every window holds an input. */
    static void checkPadding(Module layer, int[] kernel, int[] padding) {
        if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2) {
            throw new ShapeException(layer + ": padding must be at most half the kernel size");
        }
    }

    /** [N, C, H, W] or [C, H, W], floating point, and the window no larger than the padded input. */
    static void checkInput(Module layer, Tensor x, int[] kernel, int[] padding, int[] dilation) {
        if (!x.dtype().isFloatingPoint()) {
            throw new BackpropException(layer + ": the input is " + x.dtype() + "; convert it with x.to(DType.FLOAT32)");
        }
        checkShape(layer, x.shape(), kernel, padding, dilation);
    }

    static void checkShape(Module layer, int[] shape, int[] kernel, int[] padding, int[] dilation) {
        int r = shape.length;
        if (r != 3 && r != 4) {
            throw new ShapeException(layer + ": input " + Shapes.str(shape)
                    + " must be [batch, channels, height, width] (or one image, [channels, height, width])");
        }
        int h = shape[r - 2], w = shape[r - 1];
        int spanH = dilation[0] * (kernel[0] - 1) + 1, spanW = dilation[1] * (kernel[1] - 1) + 1;
        if (spanH > h + 2 * padding[0] || spanW > w + 2 * padding[1]) {
            throw new ShapeException(layer + ": input " + Shapes.str(shape) + " is smaller than the window: the padded input is "
                    + (h + 2 * padding[0]) + "x" + (w + 2 * padding[1]) + ", the window spans " + spanH + "x" + spanW);
        }
    }

    /** PyTorch's pooling output size along one axis (floor, or ceil with the last window starting inside the input or its left padding). */
    static int outSize(int in, int k, int s, int p, int d, boolean ceil) {
        int out = Math.floorDiv(in + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0), s) + 1;
        if (ceil && (out - 1) * s >= in + p) out--;
        return out;
    }

    /** The output shape of a pooling over the last two dims of {@code shape}. */
    static int[] outputShape(Module layer, int[] shape, int[] kernel, int[] stride, int[] padding, int[] dilation, boolean ceil) {
        checkShape(layer, shape, kernel, padding, dilation);
        int[] s = shape.clone();
        int r = s.length;
        for (int a = 0; a < 2; a++) s[r - 2 + a] = outSize(shape[r - 2 + a], kernel[a], stride[a], padding[a], dilation[a], ceil);
        return s;
    }
}
