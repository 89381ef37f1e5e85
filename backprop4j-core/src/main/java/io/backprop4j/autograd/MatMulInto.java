package io.backprop4j.autograd;

import io.backprop4j.internal.kernel.Gemm;
import io.backprop4j.tensor.DType;
import io.backprop4j.tensor.Tensor;

/** y = x @ w, or y += x @ w when {@code accumulate}; 2-D, y contiguous from offset 0. */
final class MatMulInto {
    private MatMulInto() {}

    static void run(Tensor x, Tensor w, Tensor y, boolean accumulate) {
        int m = x.size(0), k = x.size(1), n = w.size(1);
        boolean tx = !rowMajor(x), tw = !rowMajor(w);
        if (tx && !colMajor(x)) { x = x.contiguousData(); tx = false; }
        if (tw && !colMajor(w)) { w = w.contiguousData(); tw = false; }
        int ldx = tx ? Math.max(x.strides()[1], Math.max(m, 1)) : Math.max(x.strides()[0], Math.max(k, 1));
        int ldw = tw ? Math.max(w.strides()[1], Math.max(k, 1)) : Math.max(w.strides()[0], Math.max(n, 1));
        if (x.dtype() == DType.FLOAT32) {
            Gemm.sgemm(tx, tw, m, n, k, 1f, x.floatArray(), x.offset(), ldx, w.floatArray(), w.offset(), ldw,
                    accumulate ? 1f : 0f, y.floatArray(), 0, n);
        } else {
            Gemm.dgemm(tx, tw, m, n, k, 1.0, x.doubleArray(), x.offset(), ldx, w.doubleArray(), w.offset(), ldw,
                    accumulate ? 1.0 : 0.0, y.doubleArray(), 0, n);
        }
    }

    private static boolean rowMajor(Tensor t) {
        int[] s = t.strides(), sh = t.shape();
        return (s[1] == 1 || sh[1] == 1) && (sh[0] == 1 || s[0] >= sh[1]);
    }

    private static boolean colMajor(Tensor t) {
        int[] s = t.strides(), sh = t.shape();
        return (s[0] == 1 || sh[0] == 1) && (sh[1] == 1 || s[1] >= sh[0]);
    }
}
