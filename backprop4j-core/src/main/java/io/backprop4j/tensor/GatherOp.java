package io.backprop4j.tensor;

import io.backprop4j.BackpropException;
import io.backprop4j.ShapeException;

/**
 * PyTorch's gather: out[p] = x[p with its {@code dim} coordinate replaced by index[p]], out of the
 * index's shape; index is int64, of x's rank, no larger than x in the other dims. Backward: each
 * g[p] added back at the element it came from (scatter-add), so repeated indices accumulate.
 */
record GatherOp(Tensor x, int[] source) implements Primitive {
    static Tensor apply(Tensor x, int dim, Tensor index) {
        if (index.dtype() != DType.INT64) {
            throw new BackpropException("gather: the index must be an int64 tensor, got " + index.dtype() + "; convert it with .to(DType.INT64)");
        }
        int[] xs = x.shape(), is = index.shape();
        int d = Shapes.axis("gather", dim, Math.max(xs.length, 1));
        if (xs.length != is.length) {
            throw new ShapeException("gather: input " + Shapes.str(xs) + " and index " + Shapes.str(is) + " differ in rank");
        }
        for (int k = 0; k < xs.length; k++) {
            if (k != d && is[k] > xs[k]) {
                throw new ShapeException("gather: index " + Shapes.str(is) + " is larger than input " + Shapes.str(xs) + " in dim " + k);
            }
        }
        double[] iv = index.toDoubleArray();
        int[] source = new int[iv.length];
        int[] xStrides = Shapes.contiguousStrides(xs);
        int[] pos = new int[is.length];
        for (int i = 0; i < iv.length; i++) {
            long at = (long) iv[i];
            if (at < 0 || at >= xs[d]) {
                throw new ShapeException("gather: index " + at + " at " + java.util.Arrays.toString(pos) + " is out of range for dim "
                        + d + " of size " + xs[d] + " (input " + Shapes.str(xs) + ")");
            }
            int flat = 0;
            for (int k = 0; k < pos.length; k++) flat += (k == d ? (int) at : pos[k]) * xStrides[k];
            source[i] = flat;
            for (int k = pos.length - 1; k >= 0; k--) {   // odometer over the index's shape
                if (++pos[k] < is[k]) break;
                pos[k] = 0;
            }
        }
        double[] xv = x.toDoubleArray(), out = new double[source.length];
        for (int i = 0; i < out.length; i++) out[i] = xv[source[i]];
        return Autograd.record(Loops.fromDoubles(out, x.dtype(), is), new GatherOp(x, source));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        double[] gv = g.toDoubleArray(), gx = new double[x.numel()];
        for (int i = 0; i < gv.length; i++) gx[source[i]] += gv[i];
        return new Tensor[] {Loops.fromDoubles(gx, x.dtype(), x.shape())};
    }
}
