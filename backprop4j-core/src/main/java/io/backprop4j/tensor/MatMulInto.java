package io.backprop4j.tensor;

import io.backprop4j.internal.kernel.Gemm;

/** y = x @ w, or y += x @ w when {@code accumulate}; 2-D, y contiguous from offset 0. */
final class MatMulInto {
    private MatMulInto() {}

    /** x @ w for 2-D tensors (plain or transposed views), as a new tensor (an array the {@link Recycler} kept, or a new one). */
    static Tensor product(Tensor x, Tensor w) {
        // beta = 0: the product writes every element of y and reads none.
        Tensor y = Recycler.uninitialized(x.dtype(), x.size(0), w.size(1));
        run(x, w, y, false);
        return y;
    }

    static void run(Tensor x, Tensor w, Tensor y, boolean accumulate) {
        int m = x.size(0), k = x.size(1), n = w.size(1);
        boolean tx = !rowMajor(x), tw = !rowMajor(w);
        if (tx && !colMajor(x)) { x = x.contiguousData(); tx = false; }
        if (tw && !colMajor(w)) { w = w.contiguousData(); tw = false; }
        int ldx = tx ? Math.max(x.stride(1), Math.max(m, 1)) : Math.max(x.stride(0), Math.max(k, 1));
        int ldw = tw ? Math.max(w.stride(1), Math.max(k, 1)) : Math.max(w.stride(0), Math.max(n, 1));
        if (x.dtype() == DType.FLOAT32) {
            Gemm.sgemm(tx, tw, m, n, k, 1f, x.floatArray(), x.offset(), ldx, w.floatArray(), w.offset(), ldw,
                    accumulate ? 1f : 0f, y.floatArray(), 0, n);
        } else {
            Gemm.dgemm(tx, tw, m, n, k, 1.0, x.doubleArray(), x.offset(), ldx, w.doubleArray(), w.offset(), ldw,
                    accumulate ? 1.0 : 0.0, y.doubleArray(), 0, n);
        }
    }

    private static boolean rowMajor(Tensor t) {
        int r = t.size(0), c = t.size(1);
        return (t.stride(1) == 1 || c == 1) && (r == 1 || t.stride(0) >= c);
    }

    private static boolean colMajor(Tensor t) {
        int r = t.size(0), c = t.size(1);
        return (t.stride(0) == 1 || r == 1) && (c == 1 || t.stride(1) >= r);
    }
}
