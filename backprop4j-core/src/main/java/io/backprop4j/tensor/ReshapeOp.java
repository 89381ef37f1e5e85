package io.backprop4j.tensor;


/** The same elements in row-major order under another shape; a view when x is contiguous. Backward: reshape back. */
record ReshapeOp(Tensor x) implements Primitive {
    static Tensor apply(Tensor x, int[] shape) {
        int[] s = Shapes.resolveReshape(x.shape(), shape);
        Tensor c = x.contiguousData();
        Tensor out = c.view(s, Shapes.contiguousStrides(s), c.offset());
        return Autograd.record(out, new ReshapeOp(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {apply(g, x.shape())};
    }
}
