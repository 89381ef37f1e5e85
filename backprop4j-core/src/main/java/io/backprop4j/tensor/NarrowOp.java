package io.backprop4j.tensor;

import io.backprop4j.ShapeException;

/** Elements start..start+length-1 along dim (a view). Backward: g placed in a zero tensor of x's shape. */
record NarrowOp(Tensor x, int dim, int start, int length) implements Primitive {
    static Tensor apply(Tensor x, int dim, int start, int length) {
        int d = Shapes.axis("narrow", dim, x.rank());
        int size = x.size(d);
        if (start < 0 || length < 0 || start + length > size) {
            throw new ShapeException("narrow: elements " + start + ".." + (start + length - 1) + " of dim " + dim
                    + " are out of range for shape " + Shapes.str(x.shape()));
        }
        int[] sh = x.shape(), st = x.strides();
        sh[d] = length;
        return Autograd.record(x.view(sh, st, x.offset() + start * st[d]), new NarrowOp(x, d, start, length));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        Tensor full = Tensor.zeros(x.dtype(), x.shape());
        Tensor gc = g.contiguousData();
        if (gc.dtype() != full.dtype()) {
            apply(full, dim, start, length).copy_(g);
            return new Tensor[] {full};
        }
        // g's rows of length·inner go to every outer index's slice: one arraycopy each (copy_ into
        // the strided view went element by element).
        int[] sh = x.shape();
        int inner = 1, outer = 1;
        for (int i = dim + 1; i < sh.length; i++) inner *= sh[i];
        for (int i = 0; i < dim; i++) outer *= sh[i];
        int run = length * inner, stride = sh[dim] * inner, at = start * inner, go = gc.offset();
        for (int o = 0; o < outer; o++) {
            if (full.dtype() == DType.FLOAT32) System.arraycopy(gc.floatArray(), go + o * run, full.floatArray(), o * stride + at, run);
            else System.arraycopy(gc.doubleArray(), go + o * run, full.doubleArray(), o * stride + at, run);
        }
        return new Tensor[] {full};
    }
}
