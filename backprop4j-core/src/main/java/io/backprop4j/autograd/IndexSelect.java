package io.backprop4j.autograd;

import io.backprop4j.ShapeException;
import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/** out = x[..., indices, ...] along dim (a copy; indices may repeat). Backward: g added back at each index. */
public record IndexSelect(Tensor x, int dim, int[] indices) implements Op {
    public static Tensor apply(Tensor x, int dim, int[] indices) {
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
            Narrow.apply(out, d, k, 1).copy_(Narrow.apply(x, d, indices[k], 1));
        }
        return Autograd.record(out, new IndexSelect(x, d, indices.clone()));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        Tensor full = Tensor.zerosLike(x);
        for (int k = 0; k < indices.length; k++) {
            Narrow.apply(full, dim, indices[k], 1).addInPlace(Narrow.apply(g, dim, k, 1), 1.0);
        }
        return new Tensor[] {full};
    }
}
