package io.backprop4j.tensor;

import io.backprop4j.ShapeException;

/** Broadcasts x to a larger shape as a view (stride 0 on stretched dims); -1 keeps a size. Backward: sum back. */
record ExpandOp(Tensor x) implements Primitive {
    static Tensor apply(Tensor x, int[] shape) {
        int[] xs = x.shape(), st = x.strides();
        if (shape.length < xs.length) {
            throw new ShapeException("expand: cannot expand " + Shapes.str(xs) + " to fewer dims " + Shapes.str(shape));
        }
        int lead = shape.length - xs.length;
        int[] ns = new int[shape.length], nt = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            int own = i < lead ? 1 : xs[i - lead];
            int want = shape[i] == -1 && i >= lead ? own : shape[i];
            if (own != want && own != 1) {
                throw new ShapeException("expand: " + Shapes.str(xs) + " to " + Shapes.str(shape)
                        + ": size " + own + " at dim " + (i - lead) + " is not 1");
            }
            ns[i] = want;
            nt[i] = i < lead || (own == 1 && want != 1) ? 0 : st[i - lead];
        }
        return Autograd.record(x.view(ns, nt, x.offset()), new ExpandOp(x));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {Autograd.unbroadcast(g, x.shape())};
    }
}
