package io.backprop4j.tensor;

import io.backprop4j.ShapeException;

/**
 * The affine map of a dense layer, fused: y = x W + b, x [n, in], W [in, out], b [out] or null,
 * y [n, out]. The bias is written into y first and the product added on top (one pass, no
 * broadcast temporary). Backward: dx = g Wᵀ, dW = xᵀ g, db = Σ_rows g.
 */
record LinearOp(Tensor x, Tensor w, Tensor b) implements Primitive {
    static Tensor apply(Tensor x, Tensor w, Tensor b) {
        if (w.rank() != 2) throw new ShapeException("linear: weight must be 2-D [in, out], got " + Shapes.str(w.shape()));
        if (x.rank() != 2 || x.size(1) != w.size(0)) {
            throw new ShapeException("linear: input " + Shapes.str(x.shape()) + " x weight " + Shapes.str(w.shape())
                    + ": the weight expects inputs of " + w.size(0) + " features"
                    + (x.rank() == 2 ? ", got " + x.size(1) : ", as a 2-D [batch, features] tensor"));
        }
        Loops.sameDType("linear", x, w);
        int n = x.size(0), in = w.size(0), out = w.size(1);
        if (b != null) {
            Loops.sameDType("linear", x, b);
            if (b.rank() != 1 || b.size(0) != out) {
                throw new ShapeException("linear: bias " + Shapes.str(b.shape()) + " does not fit weight "
                        + Shapes.str(w.shape()) + ": expected [" + out + "]");
            }
        }
        // Every element written below (the bias rows, or the product with beta = 0, which reads nothing of y).
        Tensor y = Recycler.uninitialized(x.dtype(), n, out);
        if (b != null) {
            Tensor bc = b.contiguousData();
            int bo = bc.offset();
            for (int i = 0; i < n; i++) {
                if (x.dtype() == DType.FLOAT32) System.arraycopy(bc.floatArray(), bo, y.floatArray(), i * out, out);
                else System.arraycopy(bc.doubleArray(), bo, y.doubleArray(), i * out, out);
            }
        }
        // y (+)= x @ W through the matmul kernel, with beta = 1 when a bias is in place.
        MatMulInto.run(x, w, y, b != null);
        return Autograd.record(y, new LinearOp(x, w, b));
    }

    public Tensor[] inputs() { return new Tensor[] {x, w, b}; }

    @Override
    public Tensor[] saved() { return new Tensor[] {x, w}; }

    public Tensor[] backward(Tensor g) {
        return Recycler.readOnce(g, false, this::gradients);
    }

    /** The engine's own g: its storage goes to the {@link Recycler} once read (none of the gradients shares it). */
    @Override
    public Tensor[] backwardOwned(Tensor g) {
        return Recycler.readOnce(g, true, this::gradients);
    }

    private Tensor[] gradients(Tensor g) {
        return new Tensor[] {
            x.requiresGrad() ? MatMulInto.product(g, transposed(w)) : null,
            w.requiresGrad() ? MatMulInto.product(transposed(x), g) : null,
            b != null && b.requiresGrad() ? g.sum(0, false) : null};
    }

    /** The transpose of a 2-D tensor as a plain view (backward runs unrecorded). */
    private static Tensor transposed(Tensor t) {
        return t.view(new int[] {t.size(1), t.size(0)}, new int[] {t.stride(1), t.stride(0)}, t.offset());
    }
}
