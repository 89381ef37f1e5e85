package io.backprop4j.nn;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/**
 * Splits one dim into several, as PyTorch's {@code nn.Unflatten}: with {@code dim = 1} and
 * {@code sizes = [1, 28, 28]}, [N, 784] becomes [N, 1, 28, 28], row-major (feature c·H·W + h·W + w
 * lands at (c, h, w)); the inverse of {@link Flatten}. It puts the rows of a data set (one
 * sample a row, as CSV files and {@code predict} give them) into the image shape a convolution
 * takes. A view when the input is contiguous; the gradient is reshaped back.
 */
public final class Unflatten extends Module {
    private final int dim;
    private final int[] sizes;

    /**
     * @param dim the dim to split (negative counts from the end)
     * @param sizes what it becomes; their product must be its size
     */
    public Unflatten(int dim, int... sizes) {
        if (sizes == null || sizes.length == 0) throw new BackpropException("Unflatten: needs at least one size");
        for (int s : sizes) if (s < 1) throw new ShapeException("Unflatten: sizes must be positive, got " + Shapes.str(sizes));
        this.dim = dim;
        this.sizes = sizes.clone();
    }

    public int dim() { return dim; }

    public int[] sizes() { return sizes.clone(); }

    /** The output shape for an input of {@code shape}. */
    public int[] outputShape(int... shape) {
        int r = shape.length;
        int d = dim < 0 ? dim + r : dim;
        if (d < 0 || d >= r) throw new ShapeException(this + ": input " + Shapes.str(shape) + " has no dim " + dim);
        long product = 1;
        for (int s : sizes) product *= s;
        if (product != shape[d]) {
            throw new ShapeException(this + ": input " + Shapes.str(shape) + ": dim " + dim + " of size " + shape[d]
                    + " cannot be split into " + Shapes.str(sizes) + " (" + product + " elements)");
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
