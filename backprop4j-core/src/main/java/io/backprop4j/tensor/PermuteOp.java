package io.backprop4j.tensor;

import io.backprop4j.ShapeException;

/** Reorders dims: out.shape[i] = x.shape[perm[i]] (a view). Backward: the inverse permutation. */
record PermuteOp(Tensor x, int[] perm) implements Primitive {
    static Tensor apply(Tensor x, int[] dims) {
        int r = x.rank();
        if (dims.length != r) {
            throw new ShapeException("permute: " + dims.length + " dims given for a tensor of shape " + Shapes.str(x.shape()));
        }
        int[] perm = new int[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            perm[i] = Shapes.axis("permute", dims[i], r);
            if (seen[perm[i]]) throw new ShapeException("permute: dim " + dims[i] + " repeats in " + java.util.Arrays.toString(dims));
            seen[perm[i]] = true;
        }
        int[] sh = x.shape(), st = x.strides(), ns = new int[r], nt = new int[r];
        for (int i = 0; i < r; i++) { ns[i] = sh[perm[i]]; nt[i] = st[perm[i]]; }
        return Autograd.record(x.view(ns, nt, x.offset()), new PermuteOp(x, perm));
    }

    public Tensor[] inputs() { return new Tensor[] {x}; }

    @Override
    public Tensor[] saved() { return Primitive.NOTHING; }

    public Tensor[] backward(Tensor g) {
        int[] inv = new int[perm.length];
        for (int i = 0; i < perm.length; i++) inv[perm[i]] = i;
        return new Tensor[] {apply(g, inv)};
    }
}
