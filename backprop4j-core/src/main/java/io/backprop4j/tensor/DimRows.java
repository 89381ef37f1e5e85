package io.backprop4j.tensor;


/**
 * A tensor's data with one dim moved last and made contiguous, so that ops along that dim work
 * on rows of {@code n} neighbours; {@link #restore} moves a result laid out that way back.
 */
final class DimRows {
    final int dim, n, rows;
    final double[] data;
    private final int[] movedShape;
    private final int[] shape;

    DimRows(String op, Tensor x, int dim) {
        this.shape = x.shape();
        this.dim = Shapes.axis(op, dim, Math.max(x.rank(), 1));
        int r = x.rank();
        if (r == 0) {
            this.n = 1;
            this.rows = 1;
            this.movedShape = new int[0];
            this.data = new double[] {x.item()};
            return;
        }
        int[] perm = new int[r];
        for (int i = 0, k = 0; i < r; i++) if (i != this.dim) perm[k++] = i;
        perm[r - 1] = this.dim;
        int[] st = x.strides();
        movedShape = new int[r];
        int[] movedStrides = new int[r];
        for (int i = 0; i < r; i++) { movedShape[i] = shape[perm[i]]; movedStrides[i] = st[perm[i]]; }
        this.n = shape[this.dim];
        this.rows = n == 0 ? 0 : Shapes.numel(shape) / n;
        this.data = x.view(movedShape, movedStrides, x.offset()).toDoubleArray();
    }

    /** A tensor of the original shape from {@code values} laid out with the dim last. */
    Tensor restore(double[] values, DType dtype) {
        return restore(values, dtype, shape);
    }

    /** Like {@link #restore(double[], DType)} for a result whose moved dim has size 1 (keepdim) or none. */
    Tensor restoreReduced(double[] values, DType dtype, boolean keepdim) {
        int[] outShape = shape.clone();
        if (shape.length > 0) outShape[dim] = 1;
        Tensor t = restore(values, dtype, outShape);
        if (keepdim || shape.length == 0) return t;
        int[] squeezed = new int[shape.length - 1];
        for (int i = 0, k = 0; i < shape.length; i++) if (i != dim) squeezed[k++] = shape[i];
        return t.view(squeezed, io.backprop4j.tensor.Shapes.contiguousStrides(squeezed), 0);
    }

    private Tensor restore(double[] values, DType dtype, int[] outShape) {
        int r = outShape.length;
        Tensor moved;
        int[] ms = new int[r];
        if (r == 0) {
            moved = Tensor.zeros(dtype);
            moved.setFlat(0, values[0]);
            return moved;
        }
        for (int i = 0, k = 0; i < r; i++) if (i != dim) ms[k++] = outShape[i];
        ms[r - 1] = outShape[dim];
        moved = Loops.fromDoubles(values, dtype, ms);
        // Undo the move: dim sits last in the moved layout.
        int[] mstr = moved.strides();
        int[] strides = new int[r];
        for (int i = 0, k = 0; i < r; i++) strides[i] = i == dim ? mstr[r - 1] : mstr[k++];
        return moved.view(outShape.clone(), strides, 0).contiguousData();
    }

}
