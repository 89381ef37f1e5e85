package io.backprop4j.nn;

import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/**
 * Splits dim {@code dim} into {@code sizes}, as PyTorch's {@code nn.Unflatten}, the inverse of
 * {@link Flatten}: with dim 1 and sizes [1, 28, 28], [N, 784] becomes [N, 1, 28, 28] (row-major,
 * feature c·H·W + h·W + w lands at (c, h, w)), so that flat rows of pixels feed a convolution.
 * A view when the input is contiguous; the gradient is reshaped back.
 */
public final class Unflatten extends Module {
    private final int dim;
    private final int[] sizes;

    /** Splits dim {@code dim} (negative counts from the end) into {@code sizes}, each at least 1. */
    public Unflatten(int dim, int... sizes) {
        if (sizes.length == 0) throw new ShapeException("Unflatten: no sizes to split dim " + dim + " into");
        for (int s : sizes) if (s < 1) throw new ShapeException("Unflatten: sizes " + Shapes.str(sizes) + " must each be at least 1");
        this.dim = dim;
        this.sizes = sizes.clone();
    }

    public int dim() { return dim; }

    public int[] sizes() { return sizes.clone(); }

    /** The output shape for an input of {@code shape}. */
    public int[] outputShape(int... shape) {
        int r = shape.length, d = dim < 0 ? dim + r : dim;
        long product = 1;
        for (int s : sizes) product *= s;
        if (d < 0 || d >= r || shape[d] != product) {
            throw new ShapeException(this + ": input " + Shapes.str(shape) + (d < 0 || d >= r ? " has no dim " + dim
                    : ": dim " + dim + " has " + shape[d] + " elements, the sizes make " + product));
        }
        int[] out = new int[r - 1 + sizes.length];
        System.arraycopy(shape, 0, out, 0, d);
        System.arraycopy(sizes, 0, out, d, sizes.length);
        System.arraycopy(shape, d + 1, out, d + sizes.length, r - d - 1);
        return out;
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.reshape(outputShape(x.shape()));
    }

    @Override
    public String toString() {
        return "Unflatten(dim=" + dim + ", sizes=" + Shapes.str(sizes) + ")";
    }
}
