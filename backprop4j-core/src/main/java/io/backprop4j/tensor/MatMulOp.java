package io.backprop4j.tensor;

import io.backprop4j.ShapeException;
import io.backprop4j.internal.kernel.Gemm;
import java.util.Arrays;

/**
 * Matrix product a @ b with PyTorch's matmul rules: [.., m, k] @ [.., k, n] = [.., m, n], batch
 * dims broadcast; a 1-D left argument is a row, a 1-D right argument a column (both dropped from
 * the result). Transposed views are passed to the GEMM kernel as transposed, not copied.
 * Backward: dA = g Bᵀ, dB = Aᵀ g, each summed over the batch dims its argument was broadcast in.
 */
record MatMulOp(Tensor a, Tensor b) implements Primitive {
    static Tensor apply(Tensor a, Tensor b) {
        if (a.rank() == 0 || b.rank() == 0) {
            throw new ShapeException("matmul: " + Shapes.str(a.shape()) + " x " + Shapes.str(b.shape())
                    + ": both arguments need at least one dim");
        }
        if (a.rank() == 1) return apply(a.unsqueeze(0), b).squeeze(-2);
        if (b.rank() == 1) return apply(a, b.unsqueeze(-1)).squeeze(-1);
        Loops.sameDType("matmul", a, b);
        int[] as = a.shape(), bs = b.shape();
        int m = as[as.length - 2], k = as[as.length - 1], k2 = bs[bs.length - 2], n = bs[bs.length - 1];
        if (k != k2) {
            throw new ShapeException("matmul: " + Shapes.str(as) + " x " + Shapes.str(bs)
                    + ": inner sizes " + k + " and " + k2 + " differ");
        }
        int[] batch = Shapes.broadcast("matmul (batch dims)", Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2));
        int[] outShape = Arrays.copyOf(batch, batch.length + 2);
        outShape[batch.length] = m;
        outShape[batch.length + 1] = n;
        Tensor out = Tensor.zeros(a.dtype(), outShape);
        multiply(a, b, batch, m, n, k, out);
        return Autograd.record(out, new MatMulOp(a, b));
    }

    /** out[batch] = a[batch] @ b[batch] for every batch index (broadcast), as one batched GEMM. */
    static void multiply(Tensor a, Tensor b, int[] batch, int m, int n, int k, Tensor out) {
        Layout la = Layout.of(a), lb = Layout.of(b);
        if (la == null) { a = a.contiguousData(); la = Layout.of(a); }
        if (lb == null) { b = b.contiguousData(); lb = Layout.of(b); }
        int[] sa = batchStrides(a, batch), sb = batchStrides(b, batch);
        int batches = Shapes.numel(batch), mn = m * n;
        int[] idx = new int[batch.length];
        int[] offA = new int[batches], offB = new int[batches], offC = new int[batches];
        int oa = a.offset(), ob = b.offset();
        for (int t = 0; t < batches; t++) {
            offA[t] = oa;
            offB[t] = ob;
            offC[t] = t * mn;
            for (int d = batch.length - 1; d >= 0; d--) {
                idx[d]++;
                oa += sa[d];
                ob += sb[d];
                if (idx[d] < batch[d]) break;
                oa -= sa[d] * batch[d];
                ob -= sb[d] * batch[d];
                idx[d] = 0;
            }
        }
        if (a.dtype() == DType.FLOAT32) {
            Gemm.sgemmBatched(la.trans, lb.trans, m, n, k, 1f, a.floatArray(), offA, la.ld, b.floatArray(), offB, lb.ld,
                    0f, out.floatArray(), offC, n);
        } else {
            Gemm.dgemmBatched(la.trans, lb.trans, m, n, k, 1.0, a.doubleArray(), offA, la.ld, b.doubleArray(), offB, lb.ld,
                    0.0, out.doubleArray(), offC, n);
        }
    }

    /** Strides of t's batch dims within the broadcast batch shape (0 where broadcast). */
    private static int[] batchStrides(Tensor t, int[] batch) {
        int[] shape = t.shape(), strides = t.strides();
        int tb = shape.length - 2, lead = batch.length - tb;
        int[] s = new int[batch.length];
        for (int i = 0; i < tb; i++) s[lead + i] = shape[i] == 1 ? 0 : strides[i];
        return s;
    }

    /** How the last two dims lie: plain rows (ld = row stride) or a transposed matrix (ld = column stride). */
    private record Layout(boolean trans, int ld) {
        static Layout of(Tensor t) {
            int[] sh = t.shape(), st = t.strides();
            int r = sh.length, rows = sh[r - 2], cols = sh[r - 1], rs = st[r - 2], cs = st[r - 1];
            if ((cs == 1 || cols == 1) && (rows == 1 || rs >= cols)) return new Layout(false, rows == 1 ? Math.max(cols, 1) : Math.max(rs, 1));
            if ((rs == 1 || rows == 1) && (cols == 1 || cs >= rows)) return new Layout(true, cols == 1 ? Math.max(rows, 1) : Math.max(cs, 1));
            return null;
        }
    }

    public Tensor[] inputs() { return new Tensor[] {a, b}; }

    public Tensor[] backward(Tensor g) {
        return new Tensor[] {
            a.requiresGrad() ? Autograd.unbroadcast(apply(g, b.transpose(-1, -2)), a.shape()) : null,
            b.requiresGrad() ? Autograd.unbroadcast(apply(a.transpose(-1, -2), g), b.shape()) : null};
    }
}
