package io.backprop4j.tensor;

import io.backprop4j.ShapeException;

/** out = x[..., indices, ...] along dim (a copy; indices may repeat). Backward: g added back at each index. */
record IndexSelectOp(Tensor x, int dim, int[] indices) implements Primitive {
    static Tensor apply(Tensor x, int dim, int[] indices) {
        int d = Shapes.axis("index_select", dim, x.rank());
        int size = x.size(d);
        for (int i : indices) {
            if (i < 0 || i >= size) {
                throw new ShapeException("index_select: index " + i + " is out of range for dim " + dim + " of size " + size
                        + " (shape " + Shapes.str(x.shape()) + ")");
            }
        }
        int[] sh = x.shape();
        sh[d] = indices.length;
        Tensor out = Tensor.zeros(x.dtype(), sh);
        for (int k = 0; k < indices.length; k++) {
            NarrowOp.apply(out, d, k, 1).copy_(NarrowOp.apply(x, d, indices[k], 1));
        }
        return Autograd.record(out, new IndexSelectOp(x, d, indices.clone()));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        Tensor full = Tensor.zerosLike(x);
        for (int k = 0; k < indices.length; k++) {
            NarrowOp.apply(full, dim, indices[k], 1).addInPlace(NarrowOp.apply(g, dim, k, 1), 1.0);
        }
        return new Tensor[] {full};
    }
}
