package io.backprop4j.autograd;

import io.backprop4j.tensor.Shapes;
import io.backprop4j.tensor.Tensor;

/** The same elements in row-major order under another shape; a view when x is contiguous. Backward: reshape back. */
public record Reshape(Tensor x) implements Op {
    public static Tensor apply(Tensor x, int[] shape) {
        int[] s = Shapes.resolveReshape(x.shape(), shape);
        Tensor c = x.contiguousData();
        Tensor out = c.view(s, Shapes.contiguousStrides(s), c.offset());
        return Autograd.record(out, new Reshape(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {apply(g, x.shape())};
    }
}
