package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Functional;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/**
 * Adaptive average pooling, as PyTorch's {@code nn.AdaptiveAvgPool2d}: [N, C, H, W] (or
 * [C, H, W]) to [N, C, outH, outW] whatever H and W are; output (i, j) is the mean of input rows
 * [⌊i·H/outH⌋, ⌈(i+1)·H/outH⌉) and columns alike. {@code new AdaptiveAvgPool2d(1)} is global
 * average pooling, the usual head of a CNN before the last Linear.
 */
public final class AdaptiveAvgPool2d extends Module {
    private final int outH, outW;

    /** A square output size. */
    public AdaptiveAvgPool2d(int size) {
        this(size, size);
    }

    public AdaptiveAvgPool2d(int outH, int outW) {
        if (outH < 1 || outW < 1) throw new ShapeException("AdaptiveAvgPool2d: output size must be positive, got " + outH + "x" + outW);
        this.outH = outH;
        this.outW = outW;
    }

    /** {outH, outW} (a copy). */
    public int[] outputSize() { return new int[] {outH, outW}; }

    /** The output shape for an input of {@code shape}: its last two dims replaced by the output size. */
    public int[] outputShape(int... shape) {
        if (shape.length != 3 && shape.length != 4) {
            throw new ShapeException(this + ": input " + Shapes.str(shape)
                    + " must be [batch, channels, height, width] (or one image, [channels, height, width])");
        }
        int[] s = shape.clone();
        s[s.length - 2] = outH;
        s[s.length - 1] = outW;
        return s;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (x.rank() != 3 && x.rank() != 4) {
            throw new ShapeException(this + ": input " + Shapes.str(x.shape())
                    + " must be [batch, channels, height, width] (or one image, [channels, height, width])");
        }
        if (!x.dtype().isFloatingPoint()) throw new BackpropException(this + ": the input is " + x.dtype() + "; convert it with x.to(DType.FLOAT32)");
        return Functional.adaptiveAvgPool2d(x, outH, outW);
    }

    @Override
    public String toString() {
        return "AdaptiveAvgPool2d(output=" + (outH == outW ? Integer.toString(outH) : "[" + outH + ", " + outW + "]") + ")";
    }
}
