package io.backprop4j.nn;

import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/**
 * Joins dims {@code startDim..endDim} into one, as PyTorch's {@code nn.Flatten} (defaults 1 and
 * −1: [N, C, H, W] to [N, C·H·W], row-major, so element (c, h, w) lands at c·H·W + h·W + w).
 * A view when the input is contiguous; the gradient is reshaped back.
 */
public final class Flatten extends Module {
    private final int startDim, endDim;

    /** Flattens everything but the batch dim. */
    public Flatten() {
        this(1, -1);
    }

    /** Flattens dims startDim..endDim (inclusive; negative counts from the end). */
    public Flatten(int startDim, int endDim) {
        this.startDim = startDim;
        this.endDim = endDim;
    }

    public int startDim() { return startDim; }

    public int endDim() { return endDim; }

    /** The output shape for an input of {@code shape}. */
    public int[] outputShape(int... shape) {
        int r = shape.length;
        int s = startDim < 0 ? startDim + r : startDim, e = endDim < 0 ? endDim + r : endDim;
        if (r == 0) return new int[] {1};
        if (s < 0 || s >= r || e < 0 || e >= r || s > e) {
            throw new ShapeException(this + ": input " + Shapes.str(shape) + " has no dims " + startDim + ".." + endDim);
        }
        int[] out = new int[r - (e - s)];
        int j = 0;
        for (int i = 0; i < s; i++) out[j++] = shape[i];
        int joined = 1;
        for (int i = s; i <= e; i++) joined *= shape[i];
        out[j++] = joined;
        for (int i = e + 1; i < r; i++) out[j++] = shape[i];
        return out;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.reshape(outputShape(x.shape()));
    }

    @Override
    public String toString() {
        return startDim == 1 && endDim == -1 ? "Flatten()" : "Flatten(start_dim=" + startDim + ", end_dim=" + endDim + ")";
    }
}
