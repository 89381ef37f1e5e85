package io.backprop4j.onnx;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.nn.AvgPool2d;
import io.backprop4j.nn.Conv2d;
import io.backprop4j.nn.MaxPool2d;
import io.backprop4j.nn.Module;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;
import java.util.Arrays;

/**
 * ONNX's {@code auto_pad = SAME_UPPER | SAME_LOWER} around a 2-D Conv, MaxPool or AveragePool
 * that has no padding of its own: per spatial axis of size H (kernel k, stride s, dilation d) the
 * output has ⌈H / s⌉ positions, and the padding total is
 * {@code P = max(0, (⌈H / s⌉ − 1) s + d (k − 1) + 1 − H)}, worked out from each input's size:
 * ⌊P / 2⌋ at one end and the rest at the other, the odd one at the end (UPPER) or at the start
 * (LOWER). The input [N, C, H, W] is padded explicitly, with zeros before a convolution or an
 * average pooling and with −∞ before a max pooling (padding never wins); an average pooling that
 * does not count the padding ({@code count_include_pad = 0}) divides the window sums by the
 * number of real taps: {@code avg(pad₀(x)) / avg(pad₀(1))}. All of it is differentiable.
 *
 * <p>{@code new SamePadded(new Conv2d(w, b, 2, 0), false)} on [1, 1, 9, 8] with a 4 x 4 kernel
 * pads rows 1 + 2, columns 1 + 1, and gives [1, C, 5, 4].
 */
public final class SamePadded extends Module {
    private final Module layer;
    private final boolean lower;
    private final int[] kernel, stride, dilation;
    private final double fill;
    /** An average pooling that divides by the real taps only. */
    private final boolean excludePad;

    /** The padding SAME_UPPER ({@code lower} false) or SAME_LOWER gives {@code layer}, which must have none of its own. */
    public SamePadded(Module layer, boolean lower) {
        if (layer == null) throw new BackpropException("SamePadded: layer is null");
        int[] padding;
        switch (layer) {
            case Conv2d c -> {
                kernel = c.kernelSize(); stride = c.stride(); dilation = c.dilation(); padding = c.padding();
                fill = 0; excludePad = false;
            }
            case MaxPool2d m -> {
                if (m.ceilMode()) throw new ShapeException("SamePadded: " + m + " rounds up; SAME padding fixes the output size");
                kernel = m.kernelSize(); stride = m.stride(); dilation = m.dilation(); padding = m.padding();
                fill = Double.NEGATIVE_INFINITY; excludePad = false;
            }
            case AvgPool2d a -> {
                if (a.ceilMode() || a.divisorOverride() != 0) throw new ShapeException("SamePadded: " + a + " rounds up or has a fixed divisor");
                kernel = a.kernelSize(); stride = a.stride(); dilation = new int[] {1, 1}; padding = a.padding();
                fill = 0; excludePad = !a.countIncludePad();
            }
            default -> throw new ShapeException("SamePadded: " + layer + " is not a Conv2d, MaxPool2d or AvgPool2d");
        }
        if (padding[0] != 0 || padding[1] != 0) throw new ShapeException("SamePadded: " + layer + " has padding of its own");
        this.layer = child("layer", layer);
        this.lower = lower;
    }

    public Module layer() { return layer; }

    /** True for SAME_LOWER (the odd padding at the start), false for SAME_UPPER. */
    public boolean lower() { return lower; }

    /** The padding {top, bottom, left, right} of an input of {@code h} x {@code w}. */
    public int[] pads(int h, int w) {
        int[] p = new int[4];
        int[] size = {h, w};
        for (int a = 0; a < 2; a++) {
            int out = Math.ceilDiv(size[a], stride[a]);
            int total = Math.max(0, (out - 1) * stride[a] + dilation[a] * (kernel[a] - 1) + 1 - size[a]);
            int small = total / 2, large = total - small;
            p[2 * a] = lower ? large : small;
            p[2 * a + 1] = lower ? small : large;
        }
        return p;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 4) throw new ShapeException(this + ": input " + Shapes.str(x.shape()) + " is not [N, C, H, W]");
        int[] p = pads(x.size(2), x.size(3));
        Tensor y = layer.call(pad(x, p, fill));
        if (!excludePad || Arrays.equals(p, new int[4])) return y;
        Tensor ones = Tensor.full(1, x.dtype(), 1, 1, x.size(2), x.size(3));
        return y.div(layer.call(pad(ones, p, 0)));
    }

    /** {@code x} [N, C, H, W] with {@code p} = {top, bottom, left, right} rows and columns of {@code value} around it. */
    static Tensor pad(Tensor x, int[] p, double value) {
        for (int axis = 2; axis < 4; axis++) {
            int before = p[2 * (axis - 2)], after = p[2 * (axis - 2) + 1];
            if (before + after == 0) continue;
            java.util.List<Tensor> parts = new java.util.ArrayList<>(3);
            int[] shape = x.shape();
            if (before > 0) parts.add(Tensor.full(value, x.dtype(), withSize(shape, axis, before)));
            parts.add(x);
            if (after > 0) parts.add(Tensor.full(value, x.dtype(), withSize(shape, axis, after)));
            x = Tensor.cat(axis, parts.toArray(Tensor[]::new));
        }
        return x;
    }

    private static int[] withSize(int[] shape, int axis, int size) {
        int[] s = shape.clone();
        s[axis] = size;
        return s;
    }

    @Override
    public String toString() {
        return "SamePadded(" + (lower ? "SAME_LOWER" : "SAME_UPPER") + ", " + layer + ")";
    }
}
